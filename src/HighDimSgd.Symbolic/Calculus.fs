namespace HighDimSgd.Symbolic

/// Exact symbolic differentiation. Conventions at kinks (docs/formula-language.md):
/// abs' = sign, relu' = step, sign' = step' = 0, max(a, b)' selects by step(a - b).
module Calculus =
    open Simplify

    let private sqrtPi = Power(Pi, Number 0.5)

    /// d f(x) / dx for the scalar functions, as an expression in x.
    let derivativeOf (f: Function) (x: Expr) : Expr =
        match f with
        | Exp -> Apply(Exp, x)
        | Log -> Power(x, Number -1.0)
        | Sqrt -> Product [ Number 0.5; Power(Apply(Sqrt, x), Number -1.0) ]
        | Abs -> Apply(Sign, x)
        | Sign
        | Step -> Expr.zero
        | Relu -> Apply(Step, x)
        | Sigmoid -> Product [ Apply(Sigmoid, x); Apply(Sigmoid, Product [ Number -1.0; x ]) ]
        | Softplus -> Apply(Sigmoid, x)
        | Tanh -> Sum [ Expr.one; Product [ Number -1.0; Power(Apply(Tanh, x), Number 2.0) ] ]
        | Erf -> Product [ Number 2.0; Power(sqrtPi, Number -1.0); Apply(Exp, Product [ Number -1.0; Power(x, Number 2.0) ]) ]
        | Asin -> Power(Sum [ Expr.one; Product [ Number -1.0; Power(x, Number 2.0) ] ], Number -0.5)

    /// Structural zeros (the derivative of a part free of v) are dropped here rather than left to the
    /// simplifier, which keeps 0*x only for x known finite (IEEE: 0*log(x) is NaN at x <= 0).
    let private isZero e = (e = Expr.zero)

    let private sumOf (terms: Expr list) =
        match terms |> List.filter (isZero >> not) with
        | [] -> Expr.zero
        | [ t ] -> t
        | ts -> Sum ts

    /// derivative * factors, zero when the derivative is.
    let private times (derivative: Expr) (factors: Expr list) =
        if isZero derivative then Expr.zero else Product(factors @ [ derivative ])

    let rec private d (v: Variable) (e: Expr) : Expr =
        match e with
        | Number _
        | Pi -> Expr.zero
        | Var w -> if w = v then Expr.one else Expr.zero
        | Sum xs -> sumOf (xs |> List.map (d v))
        | Product xs ->
            sumOf
                [ for i in 0 .. xs.Length - 1 ->
                      times (d v xs[i]) (xs |> List.indexed |> List.filter (fun (j, _) -> j <> i) |> List.map snd) ]
        | Power(b, Number n) -> times (d v b) [ Number n; Power(b, Number(n - 1.0)) ]
        | Power(b, x) ->
            // b^x (x' log b + x b'/b)
            let inner = sumOf [ times (d v x) [ Apply(Log, b) ]; times (d v b) [ x; Power(b, Number -1.0) ] ]
            times inner [ e ]
        | Apply(f, x) -> times (d v x) [ derivativeOf f x ]
        | Max(a, b) ->
            let selectA = Apply(Step, Sum [ a; Product [ Number -1.0; b ] ])
            sumOf [ times (d v a) [ selectA ]; times (d v b) [ Sum [ Expr.one; Product [ Number -1.0; selectA ] ] ] ]
        | Min(a, b) ->
            let selectA = Apply(Step, Sum [ b; Product [ Number -1.0; a ] ])
            sumOf [ times (d v a) [ selectA ]; times (d v b) [ Sum [ Expr.one; Product [ Number -1.0; selectA ] ] ] ]
        | LogSumExp xs -> sumOf (xs |> List.mapi (fun i x -> times (d v x) [ Softmax(i + 1, xs) ]))
        | Softmax(i, xs) ->
            // s_i (x_i' - sum_j s_j x_j')
            let weighted = sumOf (xs |> List.mapi (fun j x -> times (d v x) [ Softmax(j + 1, xs) ]))
            times (sumOf [ d v xs[i - 1]; times weighted [ Number -1.0 ] ]) [ e ]

    /// Simplified derivative of e with respect to v.
    let differentiate (v: Variable) (e: Expr) : Expr = d v e |> simplify

    let gradient (vs: Variable list) (e: Expr) = vs |> List.map (fun v -> differentiate v e)

    /// The simplified derivative, or None when the derivative before simplification has more than maxNodes
    /// nodes (the product rule makes a product of n factors n products of n: simplifying those is what is slow).
    let differentiateWithin (maxNodes: int) (v: Variable) (e: Expr) : Expr option =
        let raw = d v e
        if Expr.exceedsSize maxNodes raw then None else Some(simplify raw)

    let hessian (vs: Variable list) (e: Expr) =
        let g = gradient vs e
        vs |> List.map (fun vi -> g |> List.map (fun gj -> differentiate vi gj))
