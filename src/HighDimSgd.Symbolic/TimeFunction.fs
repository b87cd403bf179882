namespace HighDimSgd.Symbolic

open System
open System.Linq.Expressions

/// Scalar functions of time, gamma(t), written in the formula language with the single variable t
/// (the step-size schedule "formula"). Compiled once to a delegate: evaluating it allocates nothing.
module TimeFunction =
    /// The parser knows the model's variables only; t is read as the one-letter variable g, which keeps every
    /// character position (and so every error message) unchanged. The model's own variables are rejected first.
    let private stand = "g"

    let private isNameStart = Parse.isNameStart
    let private isNameChar = Parse.isNameChar

    let private fail position message =
        raise (FormulaException("schedule", 0, position, message))

    /// Skips a number literal (digits, a point, an exponent only when digits follow, as the parser reads it).
    let private skipNumber (text: string) (start: int) =
        let mutable i = start
        while i < text.Length && (Char.IsAsciiDigit text[i] || text[i] = '.') do
            i <- i + 1
        if i < text.Length && (text[i] = 'e' || text[i] = 'E') then
            let mutable j = i + 1
            if j < text.Length && (text[j] = '+' || text[j] = '-') then
                j <- j + 1
            if j < text.Length && Char.IsAsciiDigit text[j] then
                i <- j
                while i < text.Length && Char.IsAsciiDigit text[i] do
                    i <- i + 1
        i

    let private followedByParenthesis (text: string) (from: int) =
        let mutable i = from
        while i < text.Length && Char.IsWhiteSpace text[i] do
            i <- i + 1
        i < text.Length && text[i] = '('

    /// The formula with every free name t replaced by the stand-in; another variable name is an error.
    let private substituteTime (text: string) =
        let chars = text.ToCharArray()
        let mutable i = 0
        while i < text.Length do
            let c = text[i]
            if Char.IsAsciiDigit c || c = '.' then
                i <- skipNumber text i
            elif isNameStart c then
                let start = i
                while i < text.Length && isNameChar text[i] do
                    i <- i + 1
                let name = text.Substring(start, i - start)
                if not (followedByParenthesis text i) then
                    if name = "t" then
                        chars[start] <- stand[0]
                    elif (Parse.tryVariable name).IsSome then
                        fail start (sprintf "unknown variable '%s' at position %d: gamma(t) may use only the time t" name start)
            else
                i <- i + 1
        String(chars)

    let private parse (text: string) =
        if String.IsNullOrWhiteSpace text then
            fail 0 "the formula is empty"
        match Parse.parse (substituteTime text) with
        | Ok e ->
            match Simplify.firstNonFinite e with
            | Some bad -> fail -1 (sprintf "the formula is not finite: %s" (Print.infix bad))
            | None -> e
        | Error err -> fail err.Position err.Message

    /// Methods the compiled delegate calls, with the conventions of Evaluate (step(0) = 0, sign(0) = 0).
    [<AbstractClass; Sealed>]
    type Runtime =
        static member Apply(f: Function, x: float) : float = Evaluate.apply f x

        /// log(e^a + e^b) without overflow.
        static member LogAddExp(a: float, b: float) : float =
            let m = max a b
            if Double.IsNegativeInfinity m then m else m + log (exp (a - m) + exp (b - m))

    let private method name =
        typeof<Runtime>.GetMethod(name: string)

    let rec private build (time: ParameterExpression) (e: Expr) : Expression =
        let recurse = build time
        let call name (args: Expression list) = Expression.Call(method name, args) :> Expression
        let math name (args: Expression list) =
            Expression.Call(typeof<Math>.GetMethod(name, Array.create args.Length typeof<float>), args) :> Expression
        let logSumExp (xs: Expr list) =
            xs |> List.map recurse |> List.reduce (fun a b -> call "LogAddExp" [ a; b ])
        match e with
        | Number x -> Expression.Constant x :> Expression
        | Pi -> Expression.Constant Math.PI :> Expression
        | Var(Member(Output, 1)) -> time :> Expression
        | Var v -> failwithf "a time formula holds only t, found %A" v
        | Sum xs -> xs |> List.map recurse |> List.reduce (fun a b -> Expression.Add(a, b) :> Expression)
        | Product xs -> xs |> List.map recurse |> List.reduce (fun a b -> Expression.Multiply(a, b) :> Expression)
        | Power(b, x) -> math "Pow" [ recurse b; recurse x ]
        | Apply(f, x) -> call "Apply" [ Expression.Constant f; recurse x ]
        | Max(a, b) -> math "Max" [ recurse a; recurse b ]
        | Min(a, b) -> math "Min" [ recurse a; recurse b ]
        | LogSumExp xs -> logSumExp xs
        | Softmax(i, xs) -> math "Exp" [ Expression.Subtract(recurse xs[i - 1], logSumExp xs) ]

    /// Compiles gamma(t); raises FormulaException (part "schedule") for a formula that does not parse or uses
    /// a variable other than t.
    let compile (text: string) : Func<float, float> =
        let e = parse text
        let time = Expression.Parameter(typeof<float>, "t")
        Expression.Lambda<Func<float, float>>(build time e, [| time |]).Compile()
