namespace HighDimSgd.Symbolic

/// Families of variables a formula may use; indices are 1-based everywhere inside the library.
type Family =
    | Student
    | Teacher
    | Noise
    | Label
    | Output
    /// Numeric constants of a model card (c1, c2..): symbols in the derivation, bound when the class is constructed,
    /// so that one checked-in class serves every value (a noise scale 0.5 or 1.0).
    | Parameter

/// A variable: a family member, or an entry of the covariance B of (r1..rl, rstar1..rstarl*).
[<StructuralEquality; StructuralComparison>]
type Variable =
    | Member of Family * int
    /// B entry (row, column), 1-based, stored with row <= column (B is symmetric).
    | Covariance of int * int

/// Scalar functions of one argument.
type Function =
    | Exp
    | Log
    | Sqrt
    | Abs
    | Sign
    | Step
    | Relu
    | Sigmoid
    | Softplus
    | Tanh
    | Erf
    | Asin

/// The expression tree. Subtraction is a sum with a -1 factor, division a power with exponent -1;
/// the simplifier keeps sums and products flat and sorted so that equal expressions compare equal.
[<StructuralEquality; StructuralComparison>]
type Expr =
    | Number of float
    | Pi
    | Var of Variable
    | Sum of Expr list
    | Product of Expr list
    | Power of Expr * Expr
    | Apply of Function * Expr
    | Max of Expr * Expr
    | Min of Expr * Expr
    | LogSumExp of Expr list
    /// softmax(i, x1..xn) = exp(xi) / sum_j exp(xj), i 1-based.
    | Softmax of int * Expr list

module Variable =
    let r i = Member(Student, i)
    let rstar i = Member(Teacher, i)
    let eps i = Member(Noise, i)
    let y i = Member(Label, i)
    let g i = Member(Output, i)
    let c i = Member(Parameter, i)

    let covariance i j = if i <= j then Covariance(i, j) else Covariance(j, i)

    /// The base name of a family as written in formulas.
    let familyName =
        function
        | Student -> "r"
        | Teacher -> "rstar"
        | Noise -> "eps"
        | Label -> "y"
        | Output -> "g"
        | Parameter -> "c"

module Function =
    let all = [ Exp; Log; Sqrt; Abs; Sign; Step; Relu; Sigmoid; Softplus; Tanh; Erf; Asin ]

    let name =
        function
        | Exp -> "exp"
        | Log -> "log"
        | Sqrt -> "sqrt"
        | Abs -> "abs"
        | Sign -> "sign"
        | Step -> "step"
        | Relu -> "relu"
        | Sigmoid -> "sigmoid"
        | Softplus -> "softplus"
        | Tanh -> "tanh"
        | Erf -> "erf"
        | Asin -> "asin"

    let tryParse (text: string) = all |> List.tryFind (fun f -> name f = text)

/// Numerical evaluation, with the conventions of docs/formula-language.md
/// (step(0) = 0, sign(0) = 0); used by tests and by the Monte Carlo checks.
module Evaluate =
    /// erfc by the Numerical Recipes Chebyshev fit (relative error below 1.2e-7), used only in the tail.
    let private erfcTail (z: float) =
        let t = 1.0 / (1.0 + 0.5 * z)
        let poly =
            [ 0.17087277; -0.82215223; 1.48851587; -1.13520398; 0.27886807; -0.18628806; 0.09678418; 0.37409196; 1.00002368; -1.26551223 ]
            |> List.fold (fun acc c -> acc * t + c) 0.0
        t * exp (-z * z + poly)

    /// erf to about 1e-12: Maclaurin series for |x| <= 3 (cancellation costs at most 4 digits there),
    /// the fitted erfc beyond (erfc(3) = 2e-5, so its relative error is negligible in absolute terms).
    let erf (x: float) =
        let z = abs x
        let value =
            if z <= 3.0 then
                let mutable term = z
                let mutable total = z
                let mutable n = 0
                while abs term > 1e-17 * abs total do
                    n <- n + 1
                    term <- -term * z * z / float n
                    total <- total + term / float (2 * n + 1)
                2.0 / sqrt System.Math.PI * total
            else
                1.0 - erfcTail z
        if x >= 0.0 then value else -value

    let softplus x = max x 0.0 + log (1.0 + exp (-(abs x)))

    let sigmoid x =
        if x >= 0.0 then 1.0 / (1.0 + exp (-x)) else let e = exp x in e / (1.0 + e)

    let logSumExp (xs: float list) =
        let m = List.max xs
        m + log (xs |> List.sumBy (fun x -> exp (x - m)))

    let apply f (x: float) =
        match f with
        | Exp -> exp x
        | Log -> log x
        | Sqrt -> sqrt x
        | Abs -> abs x
        | Sign -> if x > 0.0 then 1.0 elif x < 0.0 then -1.0 else 0.0
        | Step -> if x > 0.0 then 1.0 else 0.0
        | Relu -> max x 0.0
        | Sigmoid -> sigmoid x
        | Softplus -> softplus x
        | Tanh -> tanh x
        | Erf -> erf x
        | Asin -> asin (max -1.0 (min 1.0 x))

    /// Evaluates with a value for every variable (raises KeyNotFoundException for a missing one).
    let rec eval (env: Variable -> float) e =
        match e with
        | Number x -> x
        | Pi -> System.Math.PI
        | Var v -> env v
        | Sum xs -> xs |> List.sumBy (eval env)
        | Product xs -> xs |> List.fold (fun acc x -> acc * eval env x) 1.0
        | Power(b, x) -> System.Math.Pow(eval env b, eval env x)
        | Apply(f, x) -> apply f (eval env x)
        | Max(a, b) -> max (eval env a) (eval env b)
        | Min(a, b) -> min (eval env a) (eval env b)
        | LogSumExp xs -> logSumExp (xs |> List.map (eval env))
        | Softmax(i, xs) ->
            let vs = xs |> List.map (eval env)
            let m = List.max vs
            exp (vs[i - 1] - m) / (vs |> List.sumBy (fun v -> exp (v - m)))

module Expr =
    let zero = Number 0.0
    let one = Number 1.0

    /// The variables an expression uses, sorted.
    let rec variables e : Set<Variable> =
        match e with
        | Number _
        | Pi -> Set.empty
        | Var v -> Set.singleton v
        | Sum xs
        | Product xs
        | LogSumExp xs
        | Softmax(_, xs) -> xs |> List.map variables |> Set.unionMany
        | Power(a, b)
        | Max(a, b)
        | Min(a, b) -> Set.union (variables a) (variables b)
        | Apply(_, x) -> variables x

    /// Replaces variables by expressions (no simplification).
    let rec substitute (f: Variable -> Expr option) e =
        let go = substitute f
        match e with
        | Number _
        | Pi -> e
        | Var v -> defaultArg (f v) e
        | Sum xs -> Sum(List.map go xs)
        | Product xs -> Product(List.map go xs)
        | Power(a, b) -> Power(go a, go b)
        | Apply(fn, x) -> Apply(fn, go x)
        | Max(a, b) -> Max(go a, go b)
        | Min(a, b) -> Min(go a, go b)
        | LogSumExp xs -> LogSumExp(List.map go xs)
        | Softmax(i, xs) -> Softmax(i, List.map go xs)

    /// The direct subexpressions of e, in order.
    let children e =
        match e with
        | Number _
        | Pi
        | Var _ -> []
        | Sum xs
        | Product xs
        | LogSumExp xs
        | Softmax(_, xs) -> xs
        | Power(a, b)
        | Max(a, b)
        | Min(a, b) -> [ a; b ]
        | Apply(_, x) -> [ x ]

    /// Number of nodes, each variable counting as leafWeight of it (e.g. the size of what will be substituted for it).
    let rec weightedSize (leafWeight: Variable -> int64) e =
        match e with
        | Var v -> leafWeight v
        | _ -> 1L + List.sumBy (weightedSize leafWeight) (children e)

    /// Number of nodes; used to keep derived expressions small and in tests.
    let size e = int (weightedSize (fun _ -> 1L) e)

    /// Whether e has more than limit nodes; stops counting as soon as it does (for trees too big to count).
    let exceedsSize (limit: int) (e: Expr) =
        let mutable remaining = limit
        let rec visit e =
            remaining <- remaining - 1
            if remaining >= 0 then List.iter visit (children e)
        visit e
        remaining < 0
