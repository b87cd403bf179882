namespace HighDimSgd.Symbolic

open System
open System.Collections.Generic
open System.Text

/// C# emission: numerically stable lowering (logsumexp and softmax with a max shift, helper calls
/// for softplus, sigmoid, erf), common-subexpression elimination into local temporaries, and the
/// LossModel class around it.
module EmitCSharp =
    let private helpers = "global::HighDimSgd.Models.SpecialFunctions"

    /// Rewrites logsumexp and softmax into shifted exponentials so that CSE shares the shift.
    let rec lower (e: Expr) : Expr =
        let shifted (xs: Expr list) =
            let m = xs |> List.reduce (fun a b -> Max(a, b))
            let exps = xs |> List.map (fun x -> Apply(Exp, Sum [ x; Product [ Number -1.0; m ] ]))
            m, exps, Sum exps
        match e with
        | Number _
        | Pi
        | Var _ -> e
        | Sum xs -> Sum(List.map lower xs)
        | Product xs -> Product(List.map lower xs)
        | Power(a, b) -> Power(lower a, lower b)
        | Apply(f, x) -> Apply(f, lower x)
        | Max(a, b) -> Max(lower a, lower b)
        | Min(a, b) -> Min(lower a, lower b)
        | LogSumExp xs ->
            let m, _, total = shifted (List.map lower xs)
            Sum [ m; Apply(Log, total) ]
        | Softmax(i, xs) ->
            let _, exps, total = shifted (List.map lower xs)
            Product [ exps[i - 1]; Power(total, Number -1.0) ]

    let literal (x: float) =
        if Double.IsNaN x then "double.NaN"
        elif Double.IsPositiveInfinity x then "double.PositiveInfinity"
        elif Double.IsNegativeInfinity x then "double.NegativeInfinity"
        else
            let s = Print.number x
            let s = if s.Contains "." || s.Contains "E" then s else s + ".0"
            if x < 0.0 then "(" + s + ")" else s

    let localName (v: Variable) =
        match v with
        | Member(f, i) -> Variable.familyName f + string i
        | Covariance(i, j) -> sprintf "b_%d_%d" i j

    /// Emits statements computing several roots with shared temporaries.
    type private Emitter(prefix: string) =
        let counts = Dictionary<Expr, int>(HashIdentity.Structural)
        let names = Dictionary<Expr, string>(HashIdentity.Structural)
        let lines = List<string>()

        let trivial =
            function
            | Number _
            | Pi
            | Var _ -> true
            | _ -> false

        let rec count (e: Expr) =
            if not (trivial e) then
                counts[e] <- counts.GetValueOrDefault(e, 0) + 1
                // Children are counted on every visit so that a repeated node's parts (e.g. the sum
                // under a reciprocal) become temporaries too when the parent is emitted in pieces.
                List.iter count (Expr.children e)

        member _.Count(e) = count e
        member _.Lines = lines :> seq<string>

        member this.Code(e: Expr) : string =
            match names.TryGetValue e with
            | true, name -> name
            | _ ->
                let code = this.Raw e
                if not (trivial e) && counts.GetValueOrDefault(e, 0) > 1 then
                    let name = sprintf "%s%d" prefix names.Count
                    names[e] <- name
                    lines.Add(sprintf "double %s = %s;" name code)
                    name
                else
                    code

        member private this.Raw(e: Expr) : string =
            let go = this.Code
            let call f x = sprintf "%s(%s)" f (go x)
            match e with
            | Number x -> literal x
            | Pi -> "Math.PI"
            | Var v -> localName v
            | Sum xs -> "(" + (xs |> List.map go |> String.concat " + ") + ")"
            | Product xs ->
                let den, num = xs |> List.partition (function Power(_, Number -1.0) -> true | _ -> false)
                let numerator = if num.IsEmpty then "1.0" else num |> List.map go |> String.concat " * "
                match den with
                | [] -> "(" + numerator + ")"
                | _ -> "(" + numerator + " / (" + (den |> List.map (function Power(b, _) -> go b | d -> go d) |> String.concat " * ") + "))"
            | Power(b, Number -1.0) -> "(1.0 / " + go b + ")"
            | Power(b, Number 0.5) -> call "Math.Sqrt" b
            | Power(b, Number -0.5) -> "(1.0 / Math.Sqrt(" + go b + "))"
            | Power(b, Number 2.0) -> call (helpers + ".Square") b
            | Power(b, Number n) when n = floor n && abs n <= 64.0 -> sprintf "%s.PowInt(%s, %d)" helpers (go b) (int n)
            | Power(b, x) -> sprintf "Math.Pow(%s, %s)" (go b) (go x)
            | Apply(f, x) ->
                match f with
                | Exp -> call "Math.Exp" x
                | Log -> call "Math.Log" x
                | Sqrt -> call "Math.Sqrt" x
                | Abs -> call "Math.Abs" x
                | Sign -> call (helpers + ".Sign") x
                | Step -> call (helpers + ".Step") x
                | Relu -> sprintf "Math.Max(%s, 0.0)" (go x)
                | Sigmoid -> call (helpers + ".Sigmoid") x
                | Softplus -> call (helpers + ".Softplus") x
                | Tanh -> call "Math.Tanh" x
                | Erf -> call (helpers + ".Erf") x
                | Asin -> call (helpers + ".Asin") x
            | Max(a, b) -> sprintf "Math.Max(%s, %s)" (go a) (go b)
            | Min(a, b) -> sprintf "Math.Min(%s, %s)" (go a) (go b)
            | LogSumExp _
            | Softmax _ -> go (lower e)

    /// Body statements: local reads of the inputs, temporaries, then one line per root via assign.
    let private body (indent: string) (inputs: (Variable -> string option)) (roots: Expr list) (assign: int -> string -> string) =
        let lowered = roots |> List.map (Simplify.simplify >> lower)
        let emitter = Emitter("t")
        lowered |> List.iter emitter.Count
        let results = lowered |> List.map emitter.Code
        let used = lowered |> List.map Expr.variables |> Set.unionMany
        let sb = StringBuilder()
        for v in used do
            match inputs v with
            | Some read -> sb.AppendLine(sprintf "%sdouble %s = %s;" indent (localName v) read) |> ignore
            | None -> ()
        for line in emitter.Lines do
            sb.AppendLine(indent + line) |> ignore
        results |> List.iteri (fun i code -> sb.AppendLine(indent + assign i code) |> ignore)
        sb.ToString()

    let private sampleInputs (v: Variable) =
        match v with
        | Member(Parameter, i) -> Some(sprintf "this.c%d" i)
        | Member(Student, i) -> Some(sprintf "r[%d]" (i - 1))
        | Member(Teacher, i) -> Some(sprintf "rstar[%d]" (i - 1))
        | Member(Noise, i) -> Some(sprintf "eps[%d]" (i - 1))
        | Member(Label, i) -> Some(sprintf "y[%d]" (i - 1))
        | _ -> None

    let private covarianceInputs (n: int) (v: Variable) =
        match v with
        | Covariance(i, j) -> Some(sprintf "b[%d]" ((i - 1) * n + (j - 1)))
        | Member(Parameter, i) -> Some(sprintf "this.c%d" i)
        | _ -> None

    let private literalKeeping (keep: char -> bool) (s: string) =
        let sb = StringBuilder("\"")
        for c in s do
            if keep c then sb.Append c |> ignore
            else sb.AppendFormat("\\u{0:X4}", int c) |> ignore
        sb.Append('"').ToString()

    /// A C# string literal holding s as data: ASCII letters, digits, space, '-', '_' and '.' as themselves, every other UTF-16
    /// unit as \uXXXX, so that no text (a title with a newline, '"', '\\', U+2028, "#error") can end the literal
    /// or change the code around it. For user text (the model's name).
    let stringLiteral (s: string) =
        s |> literalKeeping (fun c -> Char.IsAsciiLetterOrDigit c || c = ' ' || c = '-' || c = '_' || c = '.')

    /// A C# string literal for the printers' output (formulas): printable ASCII but '"' and '\\' as themselves.
    let private formulaLiteral (s: string) =
        s |> literalKeeping (fun c -> c >= ' ' && c <= '~' && c <> '"' && c <> '\\')

    /// Text for a /// comment, from the printers only (never user text): anything but printable ASCII becomes '?',
    /// and XML's specials are escaped.
    let private commentText (s: string) =
        let printable = s |> String.map (fun c -> if c >= ' ' && c <= '~' then c else '?')
        printable.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;")

    let private isIdentifier (s: string) =
        not (String.IsNullOrEmpty s) && (Char.IsAsciiLetter s[0] || s[0] = '_') && s |> Seq.forall (fun c -> Char.IsAsciiLetterOrDigit c || c = '_')

    /// The C# source of a LossModel subclass for a derived model.
    /// The model's name (a problem's title, user text) appears only as the escaped data of the Name literal.
    let emit (ns: string) (className: string) (m: DerivedModel) : string =
        if isNull ns || not (ns.Split('.') |> Array.forall isIdentifier) then invalidArg "ns" "the namespace must be dotted ASCII identifiers"
        if not (isIdentifier className) then invalidArg "className" "the class name must be an ASCII identifier"
        let sb = StringBuilder()
        let line (s: string) = sb.AppendLine(s) |> ignore
        let indent = "        "
        let n = m.StudentDirections + m.TeacherDirections
        let infix = Print.infixWith m.Naming
        line "// <auto-generated>"
        line "// Generated by HighDimSgd.Symbolic from the model below; do not edit (regenerate instead)."
        line "// </auto-generated>"
        line "#nullable enable"
        line "using System;"
        line ""
        line (sprintf "namespace %s;" ns)
        line ""
        line "/// <summary>"
        line (sprintf "/// Model (see Name). Teacher: %s. Student: %s. Loss: %s."
                (if m.TeacherOutputs.IsEmpty then sprintf "none (%d free labels)" m.LabelCount else m.TeacherOutputs |> List.map (infix >> commentText) |> String.concat "; ")
                (m.StudentOutputs |> List.map (infix >> commentText) |> String.concat "; ")
                (commentText (infix m.LossFormula)))
        line (sprintf "/// f = %s" (commentText (infix m.Loss)))
        line "/// </summary>"
        line (sprintf "public sealed class %s : global::HighDimSgd.Core.Models.LossModel" className)
        line "{"
        if not m.Parameters.IsEmpty then
            let count = m.Parameters.Length
            let names = List.init count (fun i -> sprintf "c%d" (i + 1))
            for name in names do
                line (sprintf "    private readonly double %s;" name)
            line ""
            line "    /// <summary>The card's values of the parameters.</summary>"
            line (sprintf "    public static global::System.Collections.Generic.IReadOnlyList<double> DefaultParameters { get; } = [%s];"
                    (m.Parameters |> List.map literal |> String.concat ", "))
            line ""
            line (sprintf "    public %s() : this(DefaultParameters) { }" className)
            line ""
            line (sprintf "    /// <summary>The model with the parameters %s bound to these values.</summary>" (String.concat ", " names))
            line (sprintf "    public %s(global::System.Collections.Generic.IReadOnlyList<double> parameters)" className)
            line "    {"
            line (sprintf "        if (parameters.Count != %d) throw new ArgumentException($\"{Name} takes %d parameter%s, got {parameters.Count}\", nameof(parameters));"
                    count count (if count = 1 then "" else "s"))
            names |> List.iteri (fun i name -> line (sprintf "        %s = parameters[%d];" name i))
            line "    }"
            line ""
            line (sprintf "    public override global::System.Collections.Generic.IReadOnlyList<double> Parameters => [%s];" (String.concat ", " names))
            line ""
        line (sprintf "    public override string Name => %s;" (stringLiteral m.Name))
        line ""
        line (sprintf "    public override string? Formula => %s;" (formulaLiteral (infix m.Loss)))
        line ""
        line (sprintf "    public override int StudentDirections => %d;" m.StudentDirections)
        line ""
        line (sprintf "    public override int TeacherDirections => %d;" m.TeacherDirections)
        line ""
        line (sprintf "    public override int NoiseCount => %d;" m.NoiseCount)
        line ""
        line (sprintf "    public override int LabelCount => %d;" m.LabelCount)
        line ""
        line "    public override double Loss(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y)"
        line "    {"
        sb.Append(body indent sampleInputs [ m.Loss ] (fun _ code -> sprintf "return %s;" code)) |> ignore
        line "    }"
        line ""
        line "    public override double LossAndGradient(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y, Span<double> gradient)"
        line "    {"
        let roots = m.Gradient @ [ m.Loss ]
        let last = m.Gradient.Length
        sb.Append(body indent sampleInputs roots (fun i code -> if i = last then sprintf "return %s;" code else sprintf "gradient[%d] = %s;" i code)) |> ignore
        line "    }"
        let vars = Kinks.variables m.StudentDirections m.TeacherDirections m.NoiseCount
        let kinks (prefix: string) (exprs: Expr list) =
            match fst (Kinks.forms vars exprs) with
            | [] -> ()
            | forms ->
                line ""
                line (sprintf "    public override int %sKinkCount => %d;" prefix forms.Length)
                line ""
                line (sprintf "    public override void Write%sKinks(ReadOnlySpan<double> y, Span<double> rows)" prefix)
                line "    {"
                let roots = forms |> List.collect (fun f -> f.Coefficients @ [ f.Offset ])
                sb.Append(body indent sampleInputs roots (fun i code -> sprintf "rows[%d] = %s;" i code)) |> ignore
                line "    }"
        kinks "" (m.Loss :: m.Gradient)
        match m.NoiseAverage with
        | Some avg ->
            line ""
            line (sprintf "    public override global::System.Collections.Generic.IReadOnlyList<int> AveragedNoise { get; } = [%s];"
                    (avg.Averaged |> List.map (fun k -> string (k - 1)) |> String.concat ", "))
            line ""
            line "    public override double AveragedMoments(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y, Span<double> gradient, Span<double> fisher)"
            line "    {"
            let l = m.StudentDirections
            let roots = avg.Gradient @ List.concat avg.Fisher @ [ avg.Loss ]
            sb.Append(
                body indent sampleInputs roots (fun i code ->
                    if i < l then sprintf "gradient[%d] = %s;" i code
                    elif i < l + l * l then sprintf "fisher[%d] = %s;" (i - l) code
                    else sprintf "return %s;" code)
            ) |> ignore
            line "    }"
            line ""
            line "    public override double AveragedLoss(ReadOnlySpan<double> r, ReadOnlySpan<double> rstar, ReadOnlySpan<double> eps, ReadOnlySpan<double> y)"
            line "    {"
            sb.Append(body indent sampleInputs [ avg.Loss ] (fun _ code -> sprintf "return %s;" code)) |> ignore
            line "    }"
            kinks "Averaged" (avg.Loss :: avg.Gradient @ List.concat avg.Fisher)
        | None -> ()
        match m.ExpectedLoss with
        | Some e ->
            line ""
            line "    public override bool HasClosedFormLoss => true;"
            line ""
            line (sprintf "    /// <summary>E f = %s</summary>" (commentText (infix e)))
            line "    public override double ExpectedLoss(ReadOnlySpan<double> b)"
            line "    {"
            sb.Append(body indent (covarianceInputs n) [ e ] (fun _ code -> sprintf "return %s;" code)) |> ignore
            line "    }"
        | None -> ()
        match m.Fisher with
        | Some rows ->
            let l = m.StudentDirections
            line ""
            line "    public override bool HasClosedFormFisher => true;"
            line ""
            line "    public override void ExpectedFisher(ReadOnlySpan<double> b, Span<double> fisher)"
            line "    {"
            sb.Append(body indent (covarianceInputs n) (List.concat rows) (fun i code -> sprintf "fisher[%d] = %s;" i code)) |> ignore
            ignore l
            line "    }"
        | None -> ()
        match m.Cross with
        | Some rows ->
            line ""
            line "    public override bool HasClosedFormGradientCross => true;"
            line ""
            line "    public override void ExpectedGradientCross(ReadOnlySpan<double> b, Span<double> cross)"
            line "    {"
            sb.Append(body indent (covarianceInputs n) (List.concat rows) (fun i code -> sprintf "cross[%d] = %s;" i code)) |> ignore
            line "    }"
        | None -> ()
        line "}"
        sb.ToString()
