namespace HighDimSgd.Symbolic

open System
open System.Globalization

/// A parse failure: 0-based character position and a message that already names the position.
type ParseError = { Position: int; Message: string }

/// Recursive-descent parser for the infix formula language (docs/formula-language.md).
/// Grammar: sum := product (('+'|'-') product)* ; product := unary (('*'|'/') unary)* ;
/// unary := '-' unary | power ; power := atom ('^' unary)? ; atom := number | name | name '(' args ')' | '(' sum ')'.
/// Only ASCII letters, digits and '_' make names and numbers; nesting (parentheses, calls, unary minus, powers)
/// is limited to MaxDepth and a formula's tree to MaxNodes nodes, so that no later stage recurses deeper or
/// works on more than that (docs/formula-language.md, "Limits").
module Parse =
    exception private Failure of ParseError

    /// The deepest nesting of parentheses, function calls, unary minus signs and powers a formula may have.
    [<Literal>]
    let MaxDepth = 200

    /// The most nodes (numbers, variables, operators, function applications) a parsed formula may have.
    [<Literal>]
    let MaxNodes = 10000

    /// A character as an error message shows it: 'x' when printable ASCII, else its code point (U+0661).
    let describeChar (c: char) =
        if c >= ' ' && c <= '~' then sprintf "'%c'" c else sprintf "U+%04X" (int c)

    let isNameStart c = Char.IsAsciiLetter c || c = '_'
    let isNameChar c = Char.IsAsciiLetterOrDigit c || c = '_'

    let private fail position message =
        raise (Failure { Position = position; Message = sprintf "%s at position %d" message position })

    type private Cursor(text: string) =
        let mutable position = 0
        let mutable depth = 0
        member _.Text = text
        /// Enters one level of nesting; fails beyond MaxDepth.
        member _.Enter() =
            depth <- depth + 1
            if depth > MaxDepth then
                fail position (sprintf "nesting deeper than %d levels (parentheses, function calls, unary minus, powers)" MaxDepth)
        member _.Leave() = depth <- depth - 1
        member _.Position
            with get () = position
            and set v = position <- v
        member _.SkipSpaces() =
            while position < text.Length && Char.IsWhiteSpace text[position] do
                position <- position + 1
        member this.Peek =
            this.SkipSpaces()
            if position < text.Length then Some text[position] else None
        member this.TryEat(c: char) =
            match this.Peek with
            | Some d when d = c ->
                position <- position + 1
                true
            | _ -> false
        member this.Expect(c: char) =
            if not (this.TryEat c) then
                fail this.Position (sprintf "expected '%c'" c)

    /// Reads a variable name: r, r1, rstar, rstar2, eps, eps1, y, y3, g, g1, c1 (a card's parameter), B12, B_1_10.
    let tryVariable (name: string) : Variable option =
        let familyIndex (prefix: string) =
            if name = prefix then
                Some 1
            elif name.StartsWith prefix && name.Length > prefix.Length then
                let digits = name.Substring prefix.Length
                if digits |> Seq.forall Char.IsAsciiDigit && digits[0] <> '0' && digits.Length < 6 then
                    Some(int digits)
                else
                    None
            else
                None
        let families = [ "rstar", Teacher; "r", Student; "eps", Noise; "y", Label; "g", Output; "c", Parameter ]
        let fromFamily =
            families
            |> List.tryPick (fun (prefix, family) ->
                // "r" must not swallow "rstar": rstar is tried first and r only accepts digits after it.
                familyIndex prefix |> Option.map (fun i -> Member(family, i)))
        match fromFamily with
        | Some v -> Some v
        | None when name.Length = 3 && name[0] = 'B' && Char.IsAsciiDigit name[1] && Char.IsAsciiDigit name[2] && name[1] <> '0' && name[2] <> '0' ->
            Some(Variable.covariance (int name[1] - int '0') (int name[2] - int '0'))
        | None when name.StartsWith "B_" ->
            match name.Substring(2).Split('_') with
            | [| a; b |] when a <> "" && b <> "" && Seq.forall Char.IsAsciiDigit (a + b) && a[0] <> '0' && b[0] <> '0' && a.Length < 6 && b.Length < 6 ->
                Some(Variable.covariance (int a) (int b))
            | _ -> None
        | None -> None

    let rec private sum (c: Cursor) : Expr =
        let first = product c
        let rec loop acc =
            if c.TryEat '+' then loop (product c :: acc)
            elif c.TryEat '-' then loop (Product [ Number -1.0; product c ] :: acc)
            else acc
        match loop [ first ] with
        | [ single ] -> single
        | terms -> Sum(List.rev terms)

    and private product (c: Cursor) : Expr =
        let first = unary c
        let rec loop acc =
            if c.TryEat '*' then loop (unary c :: acc)
            elif c.TryEat '/' then loop (Power(unary c, Number -1.0) :: acc)
            else acc
        match loop [ first ] with
        | [ single ] -> single
        | factors -> Product(List.rev factors)

    and private unary (c: Cursor) : Expr =
        // Every recursion of the grammar passes here (parentheses and arguments through sum, '-' and '^'
        // directly), so counting here bounds the parser's stack and the depth of the tree it builds.
        c.Enter()
        let e =
            if c.TryEat '-' then
                match unary c with
                | Number x -> Number -x
                | e -> Product [ Number -1.0; e ]
            else
                power c
        c.Leave()
        e

    and private power (c: Cursor) : Expr =
        let baseExpr = atom c
        if c.TryEat '^' then Power(baseExpr, unary c) else baseExpr

    and private arguments (c: Cursor) : Expr list =
        // The opening parenthesis has been read.
        if c.TryEat ')' then
            []
        else
            let rec loop acc =
                let arg = sum c
                if c.TryEat ',' then loop (arg :: acc)
                else
                    if not (c.TryEat ')') then
                        fail c.Position "expected ',' or ')'"
                    List.rev (arg :: acc)
            loop []

    and private call (c: Cursor) (name: string) (start: int) : Expr =
        let argsStart = c.Position
        let args = arguments c
        let arity n =
            if List.length args <> n then
                fail start (sprintf "function '%s' expects %d argument%s, got %d" name n (if n = 1 then "" else "s") args.Length)
        match name with
        | "pow" ->
            arity 2
            Power(args[0], args[1])
        | "max"
        | "min" ->
            if args.Length < 2 then
                fail start (sprintf "function '%s' expects at least 2 arguments, got %d" name args.Length)
            let combine a b = if name = "max" then Max(a, b) else Min(a, b)
            args |> List.reduce combine
        | "logsumexp" ->
            if args.IsEmpty then
                fail start "function 'logsumexp' expects at least 1 argument, got 0"
            LogSumExp args
        | "softmax" ->
            match args with
            | Number i :: rest when rest.Length >= 1 && i >= 1.0 && i = floor i && i <= float rest.Length -> Softmax(int i, rest)
            | _ :: rest when rest.Length >= 1 ->
                fail argsStart (sprintf "softmax expects an integer index between 1 and %d as its first argument" rest.Length)
            | _ -> fail start "function 'softmax' expects an index and at least 1 argument"
        | _ ->
            match Function.tryParse name with
            | Some f ->
                arity 1
                Apply(f, args[0])
            | None -> fail start (sprintf "unknown function '%s'" name)

    and private atom (c: Cursor) : Expr =
        match c.Peek with
        | None -> fail c.Position "expected a number, variable, function or '('"
        | Some '(' ->
            c.Position <- c.Position + 1
            let inner = sum c
            c.Expect ')'
            inner
        | Some ch when Char.IsAsciiDigit ch || ch = '.' -> number c
        | Some ch when isNameStart ch ->
            let start = c.Position
            while c.Position < c.Text.Length && isNameChar c.Text[c.Position] do
                c.Position <- c.Position + 1
            let name = c.Text.Substring(start, c.Position - start)
            // A non-ASCII letter or digit right after a name (r followed by U+0661) is named as such.
            if c.Position < c.Text.Length && Char.IsLetterOrDigit c.Text[c.Position] then
                fail c.Position (sprintf "unexpected %s (formulas are ASCII)" (describeChar c.Text[c.Position]))
            if c.TryEat '(' then
                call c name start
            elif name = "pi" then
                Pi
            else
                match tryVariable name with
                | Some v -> Var v
                | None when Function.tryParse name |> Option.isSome || List.contains name [ "pow"; "max"; "min"; "logsumexp"; "softmax" ] ->
                    fail c.Position (sprintf "expected '(' after function '%s'" name)
                | None -> fail start (sprintf "unknown variable '%s'" name)
        | Some ch -> fail c.Position (sprintf "unexpected %s" (describeChar ch))

    and private number (c: Cursor) : Expr =
        let text = c.Text
        let start = c.Position
        let digits () =
            while c.Position < text.Length && Char.IsAsciiDigit text[c.Position] do
                c.Position <- c.Position + 1
        digits ()
        if c.Position < text.Length && text[c.Position] = '.' then
            c.Position <- c.Position + 1
            digits ()
        // An exponent only when digits follow, so that "2e" is not half a number.
        if c.Position < text.Length && (text[c.Position] = 'e' || text[c.Position] = 'E') then
            let mark = c.Position
            c.Position <- c.Position + 1
            if c.Position < text.Length && (text[c.Position] = '+' || text[c.Position] = '-') then
                c.Position <- c.Position + 1
            if c.Position < text.Length && Char.IsAsciiDigit text[c.Position] then digits () else c.Position <- mark
        let literal = text.Substring(start, c.Position - start)
        match Double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture) with
        | true, value when Double.IsFinite value -> Number value
        | true, _ -> fail start (sprintf "number '%s' is out of range" literal)
        | _ -> fail start (sprintf "malformed number '%s'" literal)

    /// Parses a whole formula.
    let parse (text: string) : Result<Expr, ParseError> =
        try
            let cursor = Cursor(text)
            let e = sum cursor
            match cursor.Peek with
            | None -> ()
            | Some ')' -> fail cursor.Position "unexpected ')'"
            | Some ch when ch > '~' || ch < ' ' -> fail cursor.Position (sprintf "unexpected %s (formulas are ASCII)" (describeChar ch))
            | Some _ -> fail cursor.Position "expected an operator or end of formula"
            let nodes = Expr.size e
            if nodes > MaxNodes then
                fail 0 (sprintf "the formula has %d nodes, more than the limit of %d" nodes MaxNodes)
            Ok e
        with Failure error ->
            Error error

    /// Parses or raises FormatException with the positioned message; for tests and trusted input.
    let parseOrFail text =
        match parse text with
        | Ok e -> e
        | Error err -> raise (FormatException err.Message)

    /// The variables a formula uses (parse, then collect).
    let variablesOf text = parse text |> Result.map Expr.variables
