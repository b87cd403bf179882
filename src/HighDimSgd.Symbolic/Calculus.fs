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

    let rec private d (v: Variable) (e: Expr) : Expr =
        match e with
        | Number _
        | Pi -> Expr.zero
        | Var w -> if w = v then Expr.one else Expr.zero
        | Sum xs -> Sum(xs |> List.map (d v))
        | Product xs ->
            Sum
                [ for i in 0 .. xs.Length - 1 ->
                      Product(xs |> List.mapi (fun j x -> if i = j then d v x else x)) ]
        | Power(b, Number n) -> Product [ Number n; Power(b, Number(n - 1.0)); d v b ]
        | Power(b, x) ->
            // b^x (x' log b + x b'/b)
            Product [ e; Sum [ Product [ d v x; Apply(Log, b) ]; Product [ x; d v b; Power(b, Number -1.0) ] ] ]
        | Apply(f, x) -> Product [ derivativeOf f x; d v x ]
        | Max(a, b) ->
            let selectA = Apply(Step, Sum [ a; Product [ Number -1.0; b ] ])
            Sum [ Product [ selectA; d v a ]; Product [ Sum [ Expr.one; Product [ Number -1.0; selectA ] ]; d v b ] ]
        | Min(a, b) ->
            let selectA = Apply(Step, Sum [ b; Product [ Number -1.0; a ] ])
            Sum [ Product [ selectA; d v a ]; Product [ Sum [ Expr.one; Product [ Number -1.0; selectA ] ]; d v b ] ]
        | LogSumExp xs -> Sum(xs |> List.mapi (fun i x -> Product [ Softmax(i + 1, xs); d v x ]))
        | Softmax(i, xs) ->
            // s_i (x_i' - sum_j s_j x_j')
            let weighted = Sum(xs |> List.mapi (fun j x -> Product [ Softmax(j + 1, xs); d v x ]))
            Product [ e; Sum [ d v xs[i - 1]; Product [ Number -1.0; weighted ] ] ]

    /// Simplified derivative of e with respect to v.
    let differentiate (v: Variable) (e: Expr) : Expr = d v e |> simplify

    let gradient (vs: Variable list) (e: Expr) = vs |> List.map (fun v -> differentiate v e)

    let hessian (vs: Variable list) (e: Expr) =
        let g = gradient vs e
        vs |> List.map (fun vi -> g |> List.map (fun gj -> differentiate vi gj))
