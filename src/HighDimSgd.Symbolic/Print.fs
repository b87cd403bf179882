namespace HighDimSgd.Symbolic

open System.Globalization

/// How variables are named in output: families listed in Singles print without index ("r", not "r1").
type Naming =
    { Singles: Set<Family> }

    static member Indexed = { Singles = Set.empty }

    /// Singles for a model: every family with exactly one member.
    static member ForCounts(student: int, teacher: int, noise: int, labels: int, outputs: int) =
        { Singles =
            [ Student, student; Teacher, teacher; Noise, noise; Label, labels; Output, outputs ]
            |> List.filter (fun (_, n) -> n = 1)
            |> List.map fst
            |> Set.ofList }

    /// Singles inferred from the expressions themselves: families used with index 1 only.
    static member Infer(es: Expr seq) =
        let members =
            es
            |> Seq.collect Expr.variables
            |> Seq.choose (function
                | Member(f, i) -> Some(f, i)
                | _ -> None)
            |> Seq.toList
        { Singles =
            members
            |> List.groupBy fst
            |> List.filter (fun (_, ms) -> ms |> List.forall (fun (_, i) -> i = 1))
            |> List.map fst
            |> Set.ofList }

/// Shared layout of products and sums for the infix and LaTeX printers.
module private Layout =
    /// Negates a canonical term (coefficient flip) for printing "a - b".
    let negate e =
        match e with
        | Number c -> Number -c
        | Product(Number c :: rest) -> Simplify.scale -c (match rest with [ f ] -> f | fs -> Product fs)
        | _ -> Product [ Number -1.0; e ]

    let isNegative e =
        match e with
        | Number c -> c < 0.0
        | Product(Number c :: _) -> c < 0.0
        | _ -> false

    /// (coefficient, numerator factors, denominator factors) of a product.
    let fraction (fs: Expr list) =
        let coefficient, rest =
            match fs with
            | Number c :: rest -> c, rest
            | _ -> 1.0, fs
        let isDenominator =
            function
            | Power(_, Number n) -> n < 0.0
            | _ -> false
        let den, num = rest |> List.partition isDenominator
        let den =
            den
            |> List.map (function
                | Power(b, Number n) -> if n = -1.0 then b else Power(b, Number -n)
                | f -> f)
        coefficient, num, den

module Print =
    let number (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

    let variableName (naming: Naming) (v: Variable) =
        match v with
        | Member(f, i) ->
            let stem = Variable.familyName f
            if i = 1 && naming.Singles.Contains f then stem else stem + string i
        | Covariance(i, j) -> if i < 10 && j < 10 then sprintf "B%d%d" i j else sprintf "B_%d_%d" i j

    /// Binding strength of the printed form: 1 sum, 2 product or leading minus, 3 power, 4 atom.
    let private precedence e =
        match e with
        | Sum _ -> 1
        | Number x when x < 0.0 -> 2
        | Product _ -> 2
        | Power(_, Number n) when n < 0.0 -> 2
        | Power _ -> 3
        | _ -> 4

    /// Infix text that the parser reads back to the same (simplified) expression.
    let rec infixWith (naming: Naming) (e: Expr) : string =
        let go = infixWith naming
        let wrap minimum x = if precedence x < minimum then "(" + go x + ")" else go x
        let args xs = xs |> List.map go |> String.concat ", "
        match e with
        | Number x -> number x
        | Pi -> "pi"
        | Var v -> variableName naming v
        | Sum [] -> "0"
        | Sum(first :: rest) ->
            let head = if precedence first < 1 then "(" + go first + ")" else go first
            rest
            |> List.fold
                (fun acc t ->
                    if Layout.isNegative t then acc + " - " + wrap 2 (Layout.negate t)
                    else acc + " + " + wrap 2 t)
                head
        | Product fs -> product naming fs
        | Power(_, Number n) when n < 0.0 -> product naming [ e ]
        | Power(b, x) ->
            let exponent =
                match x with
                | Number n when n >= 0.0 -> number n
                | _ -> wrap 4 x
            wrap 4 b + "^" + exponent
        | Apply(f, x) -> Function.name f + "(" + go x + ")"
        | Max(a, b) -> "max(" + go a + ", " + go b + ")"
        | Min(a, b) -> "min(" + go a + ", " + go b + ")"
        | LogSumExp xs -> "logsumexp(" + args xs + ")"
        | Softmax(i, xs) -> sprintf "softmax(%d, %s)" i (args xs)

    and private product naming fs =
        let coefficient, num, den = Layout.fraction fs
        let factor x = if precedence x < 3 then "(" + infixWith naming x + ")" else infixWith naming x
        let numerator =
            match num with
            | [] -> number (abs coefficient)
            | _ ->
                let body = num |> List.map factor |> String.concat "*"
                if abs coefficient = 1.0 then body else number (abs coefficient) + "*" + body
        let sign = if coefficient < 0.0 then "-" else ""
        match den with
        | [] -> sign + numerator
        | [ d ] -> sign + numerator + "/" + factor d
        | ds -> sign + numerator + "/(" + (ds |> List.map factor |> String.concat "*") + ")"

    let infix e = infixWith (Naming.Infer [ e ]) e

    // ---- LaTeX ----

    let latexVariable (naming: Naming) (v: Variable) =
        match v with
        | Member(f, i) ->
            let stem =
                match f with
                | Student -> "r"
                | Teacher -> "r^{\\star}"
                | Noise -> "\\varepsilon"
                | Label -> "y"
                | Output -> "g"
                | Parameter -> "c"
            if i = 1 && naming.Singles.Contains f then stem else sprintf "%s_{%d}" stem i
        | Covariance(i, j) -> if i < 10 && j < 10 then sprintf "B_{%d%d}" i j else sprintf "B_{%d,%d}" i j

    let rec latexWith (naming: Naming) (e: Expr) : string =
        let go = latexWith naming
        let paren x = "\\left(" + go x + "\\right)"
        let wrap minimum x = if precedence x < minimum then paren x else go x
        let args xs = xs |> List.map go |> String.concat ", "
        match e with
        | Number x -> number x
        | Pi -> "\\pi"
        | Var v -> latexVariable naming v
        | Sum [] -> "0"
        | Sum(first :: rest) ->
            rest
            |> List.fold
                (fun acc t ->
                    if Layout.isNegative t then acc + " - " + wrap 2 (Layout.negate t)
                    else acc + " + " + wrap 2 t)
                (go first)
        | Product fs -> latexProduct naming fs
        | Power(_, Number n) when n < 0.0 -> latexProduct naming [ e ]
        | Power(b, Number 0.5) -> "\\sqrt{" + go b + "}"
        | Power(b, x) -> wrap 4 b + "^{" + go x + "}"
        | Apply(Sqrt, x) -> "\\sqrt{" + go x + "}"
        | Apply(Abs, x) -> "\\left|" + go x + "\\right|"
        | Apply(Exp, x) -> "e^{" + go x + "}"
        | Apply(Log, x) -> "\\log" + paren x
        | Apply(Tanh, x) -> "\\tanh" + paren x
        | Apply(Asin, x) -> "\\arcsin" + paren x
        | Apply(Erf, x) -> "\\operatorname{erf}" + paren x
        | Apply(f, x) -> "\\operatorname{" + Function.name f + "}" + paren x
        | Max(a, b) -> "\\max\\left(" + go a + ", " + go b + "\\right)"
        | Min(a, b) -> "\\min\\left(" + go a + ", " + go b + "\\right)"
        | LogSumExp xs -> "\\operatorname{logsumexp}\\left(" + args xs + "\\right)"
        | Softmax(i, xs) -> sprintf "\\operatorname{softmax}_{%d}\\left(%s\\right)" i (args xs)

    and private latexProduct naming fs =
        let coefficient, num, den = Layout.fraction fs
        let factor x = if precedence x < 3 then "\\left(" + latexWith naming x + "\\right)" else latexWith naming x
        let join xs = xs |> List.map factor |> String.concat " "
        let magnitude = abs coefficient
        let sign = if coefficient < 0.0 then "-" else ""
        match den with
        | [] ->
            match num with
            | [] -> sign + number magnitude
            | _ when magnitude = 1.0 -> sign + join num
            | _ -> sign + number magnitude + " " + join num
        | _ ->
            let top =
                match num with
                | [] -> number magnitude
                | _ when magnitude = 1.0 -> join num
                | _ -> number magnitude + " " + join num
            sign + "\\frac{" + top + "}{" + (match den with [ d ] -> latexWith naming d | ds -> join ds) + "}"

    let latex e = latexWith (Naming.Infer [ e ]) e
