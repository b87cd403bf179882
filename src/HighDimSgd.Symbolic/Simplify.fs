namespace HighDimSgd.Symbolic

/// Canonical simplification: flat sorted sums and products, constants folded, like terms and
/// powers of equal bases collected, neutral elements dropped, and exact identities of the
/// non-smooth functions (abs(x)*sign(x) = x, abs(x)^2 = x^2, step(x)^n = step(x), sign(x)^3 = sign(x)), and
/// log(1 + exp(x)) = softplus(x).
/// IEEE: 0*x is 0 only when x is known finite (see knownFinite); constant subexpressions that are not
/// finite (0/0, 1/0, log(-1)) are refused by checkFinite before simplification.
module Simplify =
    let private isInteger (x: float) = x = floor x && abs x < 1e15
    let private finite (x: float) = not (System.Double.IsNaN x || System.Double.IsInfinity x)

    /// True when e is finite for every finite value of its variables: finite numbers, variables, and sums,
    /// products, non-negative integer powers, max/min and functions that are finite on all reals (exp, abs,
    /// sign, step, relu, sigmoid, softplus, tanh, erf, asin, logsumexp, softmax) of such. Not log, sqrt,
    /// negative or fractional powers. Only for these is 0*e simplified to 0.
    let rec knownFinite (e: Expr) =
        match e with
        | Number x -> finite x
        | Pi
        | Var _ -> true
        | Sum xs
        | Product xs
        | LogSumExp xs
        | Softmax(_, xs) -> List.forall knownFinite xs
        | Power(b, Number n) -> n >= 0.0 && isInteger n && knownFinite b
        | Power _ -> false
        | Max(a, b)
        | Min(a, b) -> knownFinite a && knownFinite b
        | Apply((Log | Sqrt), _) -> false
        | Apply(_, x) -> knownFinite x

    /// The largest variable-free subexpression of e whose value is not finite (0/0, 1/0, 0*log(-1)), or the
    /// innermost when an enclosing one is finite again (exp(-1/0)), if any; a product's or sum's constant
    /// factors or terms count as one subexpression (rstar*1e300*1e300). Values as Evaluate computes them.
    let firstNonFinite (e: Expr) : Expr option =
        let mutable found = None
        // The value of a variable-free node (None when it has variables); a non-finite value is recorded.
        let rec value (e: Expr) : float option =
            let check (node: Expr) (v: float) =
                if not (finite v) then found <- Some node
                Some v
            let constants (xs: Expr list) =
                let vs = xs |> List.map (fun x -> x, value x)
                let known = vs |> List.choose (fun (x, v) -> v |> Option.map (fun v -> x, v))
                known, known.Length = vs.Length
            let combine (rebuild: Expr list -> Expr) (fold: float list -> float) xs =
                let known, all = constants xs
                let v = fold (List.map snd known)
                if all then check e v
                else
                    if known.Length > 1 && not (finite v) && List.forall (snd >> finite) known then found <- Some(rebuild (List.map fst known))
                    None
            match e with
            | Number x -> check e x
            | Pi -> Some System.Math.PI
            | Var _ -> None
            | Sum xs -> combine Sum List.sum xs
            | Product xs -> combine Product (List.fold (*) 1.0) xs
            | Power(a, b) ->
                match value a, value b with
                | Some u, Some v -> check e (System.Math.Pow(u, v))
                | _ -> None
            | Apply(f, x) -> value x |> Option.bind (fun v -> check e (Evaluate.apply f v))
            | Max(a, b)
            | Min(a, b) ->
                match value a, value b with
                | Some u, Some v -> check e (match e with Max _ -> max u v | _ -> min u v)
                | _ -> None
            | LogSumExp xs ->
                let known, all = constants xs
                if all then check e (Evaluate.logSumExp (List.map snd known)) else None
            | Softmax(i, xs) ->
                let known, all = constants xs
                if all then check e (Evaluate.eval (fun _ -> nan) (Softmax(i, known |> List.map (snd >> Number)))) else None
        value e |> ignore
        found

    /// Splits a canonical term into numeric coefficient and the rest.
    let splitCoefficient e =
        match e with
        | Number c -> c, Expr.one
        | Product(Number c :: [ single ]) -> c, single
        | Product(Number c :: rest) -> c, Product rest
        | _ -> 1.0, e

    /// c * rest for a canonical rest (a product without numeric factor).
    let scale (c: float) (rest: Expr) =
        if c = 0.0 && knownFinite rest then Expr.zero
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
            // A group whose coefficients cancel is dropped (like terms: x - x = 0); a 0*x kept by makeProduct
            // because x is not known finite stays (0*log(r) is NaN at r <= 0).
            |> List.choose (fun (rest, cs) ->
                let c = cs |> List.sumBy fst
                if c <> 0.0 then Some(rest, c)
                elif cs |> List.forall (fun (ci, _) -> ci = 0.0) && not (knownFinite rest) then Some(rest, 0.0)
                else None)
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
        if coefficient = 0.0 && List.forall knownFinite symbolic then
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
        // sign(x)^n is sign(x) for odd n > 0 and sign(x)^2 (1, but 0 at x = 0) for even n > 0.
        | Apply(Sign, _), Number n when isInteger n && n > 0.0 -> if n % 2.0 = 0.0 then (if n = 2.0 then Power(b, x) else Power(b, Number 2.0)) else b
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
        // exp(log(a)) = a only for a > 0 (NaN otherwise), so it is not rewritten.
        | Log, Apply(Exp, a) -> a
        | Log, Number 1.0 -> Expr.zero
        // log(1 + exp(a)) (either order; sums keep the constant last) is softplus(a), which the emitter evaluates
        // without overflow for large a and which a loss written either way shares with the logistic preset.
        | Log, Sum [ Apply(Exp, a); Number 1.0 ] -> makeApply Softplus a
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

    exception private TooManyTerms

    /// Expands products of sums and integer powers of sums (used before polynomial moments); None when
    /// some product would have more than maxTerms terms (the caller then takes a cheaper path).
    let expandWithin (maxTerms: int) (e: Expr) : Expr option =
        let rec go (e: Expr) : Expr =
            match e with
            | Sum xs -> makeSum (List.map go xs)
            | Product xs ->
                xs
                |> List.map go
                |> List.fold
                    (fun acc f ->
                        let termsOf = function Sum ts -> ts | t -> [ t ]
                        let bs = termsOf f
                        if int64 (List.length acc) * int64 (List.length bs) > int64 maxTerms then raise TooManyTerms
                        [ for a in acc do
                              for b in bs -> makeProduct [ a; b ] ])
                    [ Expr.one ]
                |> makeSum
            | Power(b, Number n) when isInteger n && n > 1.0 && n <= 16.0 ->
                go (Product(List.replicate (int n) (go b)))
            | Power(b, x) -> makePower (go b) x
            | Apply(f, x) -> makeApply f (go x)
            | _ -> e
        try Some(go e) with TooManyTerms -> None

    /// Expands products of sums and integer powers of sums, without a bound.
    let expand (e: Expr) : Expr =
        match expandWithin System.Int32.MaxValue e with
        | Some x -> x
        | None -> e
