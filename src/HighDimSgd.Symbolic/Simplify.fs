namespace HighDimSgd.Symbolic

/// Canonical simplification: flat sorted sums and products, constants folded, like terms and
/// powers of equal bases collected, neutral elements dropped, and the identities of the
/// non-smooth functions that hold away from their kinks (sign(x)^2 = 1, abs(x)*sign(x) = x, ...).
module Simplify =
    let private isInteger (x: float) = x = floor x && abs x < 1e15
    let private finite (x: float) = not (System.Double.IsNaN x || System.Double.IsInfinity x)

    /// Splits a canonical term into numeric coefficient and the rest.
    let splitCoefficient e =
        match e with
        | Number c -> c, Expr.one
        | Product(Number c :: [ single ]) -> c, single
        | Product(Number c :: rest) -> c, Product rest
        | _ -> 1.0, e

    /// c * rest for a canonical rest (a product without numeric factor).
    let scale (c: float) (rest: Expr) =
        if c = 0.0 then Expr.zero
        elif rest = Expr.one then Number c
        elif c = 1.0 then rest
        else
            match rest with
            | Product fs -> Product(Number c :: fs)
            | _ -> Product [ Number c; rest ]

    let private splitPower e =
        match e with
        | Power(b, x) -> b, x
        | _ -> e, Expr.one

    let rec makeSum (terms: Expr list) : Expr =
        let flat =
            terms
            |> List.collect (function
                | Sum xs -> xs
                | t -> [ t ])
        let groups =
            flat
            |> List.map splitCoefficient
            |> List.groupBy snd
            |> List.map (fun (rest, cs) -> rest, cs |> List.sumBy fst)
            |> List.filter (fun (_, c) -> c <> 0.0)
        let constant, others = groups |> List.partition (fun (rest, _) -> rest = Expr.one)
        let ordered = (others |> List.sortBy fst) @ constant
        match ordered |> List.map (fun (rest, c) -> scale c rest) with
        | [] -> Expr.zero
        | [ t ] -> t
        | ts -> Sum ts

    and makeProduct (factors: Expr list) : Expr =
        let flat =
            factors
            |> List.collect (function
                | Product xs -> xs
                | f -> [ f ])
        let numbers, symbolic =
            flat
            |> List.partition (function
                | Number _ -> true
                | _ -> false)
        let coefficient = numbers |> List.fold (fun acc f -> match f with Number x -> acc * x | _ -> acc) 1.0
        if coefficient = 0.0 then
            Expr.zero
        else
            let grouped =
                symbolic
                |> List.map splitPower
                |> List.groupBy fst
                |> List.map (fun (b, xs) -> b, makeSum (xs |> List.map snd))
            let grouped = cancelAbsSign grouped
            let rebuilt = grouped |> List.map (fun (b, x) -> makePower b x)
            let needsAnotherPass =
                rebuilt
                |> List.exists (function
                    | Number _
                    | Product _ -> true
                    | _ -> false)
            if needsAnotherPass && rebuilt <> symbolic then
                makeProduct (Number coefficient :: rebuilt)
            else
                let fs = rebuilt |> List.filter (fun f -> f <> Expr.one) |> List.sort
                let fs, coefficient =
                    // A leftover numeric factor (rebuilt did not change) is folded here.
                    fs |> List.fold (fun (acc, c) f -> match f with Number x -> acc, c * x | _ -> acc @ [ f ], c) ([], coefficient)
                match fs with
                | [] -> Number coefficient
                | [ f ] when coefficient = 1.0 -> f
                | _ -> scale coefficient (Product fs)

    /// sign(x) * abs(x)^k = x * abs(x)^(k-1): lets |r| sign(r) become r.
    and private cancelAbsSign (groups: (Expr * Expr) list) =
        let signOf =
            groups
            |> List.tryPick (fun (b, x) ->
                match b, x with
                | Apply(Sign, a), Number 1.0 when groups |> List.exists (fun (b2, x2) -> b2 = Apply(Abs, a) && (match x2 with Number k -> k >= 1.0 && isInteger k | _ -> false)) -> Some a
                | _ -> None)
        match signOf with
        | None -> groups
        | Some a ->
            let rest =
                groups
                |> List.choose (fun (b, x) ->
                    if b = Apply(Sign, a) then None
                    elif b = Apply(Abs, a) then
                        match x with
                        | Number k -> Some(b, Number(k - 1.0))
                        | _ -> Some(b, x)
                    else Some(b, x))
            (a, Expr.one) :: rest

    and makePower (b: Expr) (x: Expr) : Expr =
        match b, x with
        | _, Number 0.0 -> Expr.one
        | _, Number 1.0 -> b
        | Number 1.0, _ -> Expr.one
        | Number 0.0, Number n when n > 0.0 -> Expr.zero
        | Number a, Number n when finite (a ** n) && isInteger n -> Number(a ** n)
        | Number a, Number 0.5 when a >= 0.0 -> makeApply Sqrt b
        | _, Number 0.5 -> makeApply Sqrt b
        | _, Number -0.5 -> Power(makeApply Sqrt b, Number -1.0)
        | Power(b2, x2), Number n when isInteger n -> makePower b2 (makeProduct [ x2; x ])
        | Product fs, Number n when isInteger n -> makeProduct (fs |> List.map (fun f -> makePower f x))
        | Apply(Sign, _), Number n when isInteger n -> if n % 2.0 = 0.0 then Expr.one else b
        | Apply(Abs, a), Number n when isInteger n && n % 2.0 = 0.0 -> makePower a x
        | Apply(Step, _), Number n when isInteger n && n > 0.0 -> b
        | Apply(Sqrt, a), Number n when isInteger n && n % 2.0 = 0.0 -> makePower a (Number(n / 2.0))
        | Apply(Exp, a), Number _ -> makeApply Exp (makeProduct [ x; a ])
        | _ -> Power(b, x)

    /// Functions of numbers fold when the value is exact (integers, piecewise-linear functions), so that
    /// sqrt(2) or exp(1) stay symbolic and coefficients stay readable.
    and private foldsExactly f v =
        let value = Evaluate.apply f v
        finite value
        && (match f with
            | Abs | Sign | Step | Relu -> true
            | _ -> isInteger value && (f <> Sqrt || value * value = v))

    and makeApply (f: Function) (x: Expr) : Expr =
        match f, x with
        | _, Number v when foldsExactly f v -> Number(Evaluate.apply f v)
        | Exp, Apply(Log, a) -> a
        | Log, Apply(Exp, a) -> a
        | Log, Number 1.0 -> Expr.zero
        | (Abs | Sign), Apply(Abs, _) when f = Abs -> x
        | Sign, Apply(Abs, a) -> makeApply Step (makeApply Abs a) // 1 away from 0
        | Abs, Power(a, Number n) when isInteger n && n % 2.0 = 0.0 -> x
        | Abs, Product(Number c :: rest) when c < 0.0 -> makeProduct [ Number -c; makeApply Abs (makeProduct rest) ]
        | Sign, Product(Number c :: rest) when c <> 0.0 -> makeProduct [ Number(float (sign c)); makeApply Sign (makeProduct rest) ]
        | Step, Product(Number c :: rest) when c > 0.0 -> makeApply Step (makeProduct rest)
        | Relu, Product(Number c :: rest) when c > 0.0 -> makeProduct [ Number c; makeApply Relu (makeProduct rest) ]
        | Sqrt, Power(a, Number 2.0) -> makeApply Abs a
        | _ -> Apply(f, x)

    let rec simplify (e: Expr) : Expr =
        match e with
        | Number _
        | Pi
        | Var _ -> e
        | Sum xs -> makeSum (List.map simplify xs)
        | Product xs -> makeProduct (List.map simplify xs)
        | Power(b, x) -> makePower (simplify b) (simplify x)
        | Apply(f, x) -> makeApply f (simplify x)
        | Max(a, b) ->
            match simplify a, simplify b with
            | Number u, Number v -> Number(max u v)
            | u, v when u = v -> u
            | u, v -> Max(u, v)
        | Min(a, b) ->
            match simplify a, simplify b with
            | Number u, Number v -> Number(min u v)
            | u, v when u = v -> u
            | u, v -> Min(u, v)
        | LogSumExp xs ->
            match List.map simplify xs with
            | [ single ] -> single
            | args when args |> List.forall (function Number _ -> true | _ -> false) ->
                Number(Evaluate.logSumExp (args |> List.map (function Number v -> v | _ -> 0.0)))
            | args -> LogSumExp args
        | Softmax(i, xs) ->
            match List.map simplify xs with
            | [ _ ] -> Expr.one
            | args -> Softmax(i, args)

    /// Expands products of sums and integer powers of sums (used before polynomial moments).
    let rec expand (e: Expr) : Expr =
        match e with
        | Sum xs -> makeSum (List.map expand xs)
        | Product xs ->
            xs
            |> List.map expand
            |> List.fold
                (fun acc f ->
                    let termsOf = function Sum ts -> ts | t -> [ t ]
                    [ for a in acc do
                          for b in termsOf f -> makeProduct [ a; b ] ])
                [ Expr.one ]
            |> makeSum
        | Power(b, Number n) when isInteger n && n > 1.0 && n <= 16.0 ->
            expand (Product(List.replicate (int n) (expand b)))
        | Power(b, x) -> makePower (expand b) x
        | Apply(f, x) -> makeApply f (expand x)
        | _ -> e
