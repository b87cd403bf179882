namespace HighDimSgd.Symbolic

/// Matching a template with parameters c1.. (a model card's derived loss) against a parameter-free expression (a
/// problem's derived loss, both simplified): the values of the parameters under which they are the same formula.
/// A parameter is found as a factor of a term, whose coefficient in the target is the parameter's value times the
/// template's coefficient; sums and products are matched as multisets (a symbol sorts elsewhere than a number).
/// Every candidate is verified by substituting it into the template and simplifying: a result is exact, and a formula
/// the structural search misses only costs a compilation.
module Match =
    let private isParameter =
        function
        | Var(Member(Parameter, _)) -> true
        | _ -> false

    let private hasParameters e =
        Expr.variables e |> Set.exists (function Member(Parameter, _) -> true | _ -> false)

    let private bind (bound: Map<int, float>) i (v: float) =
        match Map.tryFind i bound with
        | Some w when w = v -> Seq.singleton bound
        | Some _ -> Seq.empty
        | None when System.Double.IsFinite v -> Seq.singleton (Map.add i v bound)
        | None -> Seq.empty

    /// Each element of ys with the others.
    let private picks (ys: Expr list) =
        ys |> List.mapi (fun i y -> y, (ys |> List.indexed |> List.filter (fun (j, _) -> j <> i) |> List.map snd))

    /// Bindings (parameter index -> value) under which template may equal target, lazily.
    let rec private candidates (bound: Map<int, float>) (template: Expr) (target: Expr) : Map<int, float> seq =
        if not (hasParameters template) then
            if template = target then Seq.singleton bound else Seq.empty
        else
            match template, target with
            | Var(Member(Parameter, i)), Number v -> bind bound i v
            | Product fs, _ when fs |> List.exists isParameter ->
                let parameter = fs |> List.find isParameter
                let i = match parameter with Var(Member(_, i)) -> i | _ -> 0
                let cTemplate, restTemplate = Simplify.splitCoefficient (Simplify.makeProduct (List.except [ parameter ] fs))
                let cTarget, restTarget = Simplify.splitCoefficient target
                if cTemplate = 0.0 then Seq.empty
                else bind bound i (cTarget / cTemplate) |> Seq.collect (fun b -> candidates b restTemplate restTarget)
            | Sum xs, Sum ys
            | Product xs, Product ys when xs.Length = ys.Length -> unordered bound xs ys
            | LogSumExp xs, LogSumExp ys when xs.Length = ys.Length -> ordered bound xs ys
            | Softmax(i, xs), Softmax(j, ys) when i = j && xs.Length = ys.Length -> ordered bound xs ys
            | Power(a, b), Power(c, d)
            | Max(a, b), Max(c, d)
            | Min(a, b), Min(c, d) -> ordered bound [ a; b ] [ c; d ]
            | Apply(f, x), Apply(g, y) when f = g -> candidates bound x y
            | _ -> Seq.empty

    and private ordered bound xs ys =
        List.zip xs ys |> List.fold (fun acc (x, y) -> acc |> Seq.collect (fun b -> candidates b x y)) (Seq.singleton bound)

    and private unordered bound xs ys =
        // Parameter-free parts first: each must occur in the target as it is, which prunes the search.
        let fixedParts, withParameters = xs |> List.partition (hasParameters >> not)
        let remaining =
            fixedParts
            |> List.fold
                (fun (rest: Expr list option) x ->
                    rest |> Option.bind (fun ys -> List.tryFindIndex ((=) x) ys |> Option.map (fun i -> List.removeAt i ys)))
                (Some ys)
        match remaining with
        | None -> Seq.empty
        | Some ys ->
            let rec go bound xs ys =
                match xs with
                | [] -> Seq.singleton bound
                | x :: rest -> picks ys |> Seq.collect (fun (y, others) -> candidates bound x y |> Seq.collect (fun b -> go b rest others))
            go bound withParameters ys

    /// Substitutes values for c1..cn and simplifies.
    let instantiate (values: float[]) (template: Expr) =
        template
        |> Expr.substitute (function
            | Member(Parameter, i) when i <= values.Length -> Some(Number values[i - 1])
            | _ -> None)
        |> Simplify.simplify

    /// The values of c1..c(count) for which template is target, or None.
    let parameters (count: int) (template: Expr) (target: Expr) : float[] option =
        candidates Map.empty template target
        |> Seq.tryPick (fun bound ->
            if bound.Count <> count || not (Seq.forall (fun i -> bound.ContainsKey i) [ 1..count ]) then None
            else
                let values = Array.init count (fun i -> bound[i + 1])
                if instantiate values template = target then Some values else None)
