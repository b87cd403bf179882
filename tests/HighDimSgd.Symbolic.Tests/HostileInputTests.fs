/// Hostile input (issue 16): every bad formula is a FormulaException naming its part (never a crash, a stack
/// overflow or a hang), IEEE values are not simplified away, and generated code holds no user text.
module HighDimSgd.Symbolic.Tests.HostileInputTests

open System
open System.Diagnostics
open HighDimSgd.Symbolic
open Xunit

let private spec (title: string) teacher student loss =
    ModelSpec(title, 1, 1, Nullable(), 0, teacher, student, loss)

let private derive teacher student loss =
    ModelDerivation.Derive(spec "m" teacher student loss)

let private formulaError f =
    Assert.Throws<FormulaException>(fun () -> f () |> ignore)

let private parseError (text: string) =
    match Parse.parse text with
    | Ok e -> failwithf "expected a parse error, got %s" (Print.infix e)
    | Error err -> err

/// Runs f and returns its result with the seconds it took.
let private timed f =
    let watch = Stopwatch.StartNew()
    let result = f ()
    result, watch.Elapsed.TotalSeconds

let private nested (f: string) depth inner =
    String.replicate depth (f + "(") + inner + String.replicate depth ")"

// 1. Unicode digits

[<Theory>]
[<InlineData("r\u0661", "U+0661")>] // Arabic-Indic one
[<InlineData("r\u0967", "U+0967")>] // Devanagari one
[<InlineData("rstar\u0661 + 1", "U+0661")>]
[<InlineData("B1\u0662", "U+0662")>]
let ``a non-ASCII digit is a parse error naming it`` (text: string, code: string) =
    let err = parseError text
    Assert.Contains(code, err.Message)
    Assert.Contains(sprintf "at position %d" err.Position, err.Message)
    Assert.DoesNotContain("\u0661", err.Message)

[<Fact>]
let ``variable names take ASCII digits only`` () =
    Assert.Equal(None, Parse.tryVariable "r\u0661")
    Assert.Equal(None, Parse.tryVariable "eps\u0967")
    Assert.Equal(None, Parse.tryVariable "B_1_\u0661")
    Assert.Equal(Some(Variable.r 2), Parse.tryVariable "r2")

[<Fact>]
let ``a non-ASCII digit in a student formula names the part`` () =
    let e = formulaError (fun () -> derive [| "rstar" |] [| "r\u0661" |] "(g - y)^2")
    Assert.Equal("student", e.Part)
    Assert.Contains("student formula 1", e.Message)
    Assert.Contains("U+0661", e.Message)

[<Fact>]
let ``a non-ASCII letter is an unknown character, not a name`` () =
    let err = parseError "\u00E9 + r"
    Assert.Contains("U+00E9", err.Message)

[<Fact>]
let ``an out-of-range number is a parse error`` () =
    Assert.Contains("number '1e999' is out of range", (parseError "r + 1e999").Message)

// 3. Depth and size limits

[<Fact>]
let ``10^5 nested parentheses are a clean error`` () =
    let err = parseError (String('(', 100000) + "r" + String(')', 100000))
    Assert.Contains(sprintf "nesting deeper than %d levels" Parse.MaxDepth, err.Message)

[<Fact>]
let ``10^4 nested unary minus signs are a clean error`` () =
    let err = parseError (String('-', 10000) + "r")
    Assert.Contains("nesting deeper than 200", err.Message)

[<Fact>]
let ``nested powers and calls count towards the depth`` () =
    Assert.Contains("nesting deeper", (parseError (String.replicate 300 "r^" + "r")).Message)
    Assert.Contains("nesting deeper", (parseError (nested "exp" 300 "r")).Message)

[<Fact>]
let ``nesting just inside the limit parses, simplifies and differentiates`` () =
    let depth = Parse.MaxDepth - 2
    let parens = Parse.parseOrFail (String('(', depth) + "r" + String(')', depth))
    Assert.Equal("r", Print.infix (Simplify.simplify parens))
    let minus = Parse.parseOrFail (String('-', depth) + "r")
    Assert.Equal("r", Print.infix (Simplify.simplify minus)) // an even number of signs
    let tanhs = Parse.parseOrFail (nested "tanh" (Parse.MaxDepth - 1) "r")
    let d = Calculus.differentiate (Variable.r 1) tanhs
    Assert.True(Expr.size d > Parse.MaxDepth)

[<Fact>]
let ``a derivation with a deeply nested formula names the part`` () =
    let e = formulaError (fun () -> derive [| "rstar" |] [| "r" |] (String('(', 1000) + "g - y" + String(')', 1000) + "^2"))
    Assert.Equal("loss", e.Part)
    Assert.Contains("loss formula 1: nesting deeper than 200", e.Message)

[<Fact>]
let ``a formula over the node limit is refused`` () =
    let text = String.Join(" + ", Array.create Parse.MaxNodes "r")
    let err = parseError text
    Assert.Contains(sprintf "the formula has %d nodes, more than the limit of %d" (Parse.MaxNodes + 1) Parse.MaxNodes, err.Message)
    let e = formulaError (fun () -> derive [| "rstar" |] [| "r" |] (String.Join(" + ", Array.create 100000 "(g-y)^2")))
    Assert.Equal("loss", e.Part)
    Assert.Contains("limit of 10000", e.Message)

[<Fact>]
let ``a substituted loss over its limit is refused`` () =
    // 2000 nodes of teacher, used 20 times: each formula is small, the substituted loss is not.
    let teacher = String.Join(" + ", Array.init 1000 (fun k -> sprintf "tanh(rstar + %d)" k))
    let loss = String.Join(" + ", Array.create 20 "(g - y)^2")
    let e = formulaError (fun () -> derive [| teacher |] [| "r" |] loss)
    Assert.Equal("loss", e.Part)
    Assert.Contains(sprintf "more than the limit of %d" Derive.MaxSubstitutedNodes, e.Message)

// 4. IEEE semantics

[<Theory>]
[<InlineData("rstar + 0*log(-1)", "log(-1)")>]
[<InlineData("rstar + 0/0", "0/0")>]
[<InlineData("rstar/0", "1/0")>]
[<InlineData("rstar + exp(1000)", "exp(1000)")>]
[<InlineData("rstar*1e300*1e300", "1E+300*1E+300")>]
let ``a constant that is not finite is an error naming it`` (teacher: string, shown: string) =
    let e = formulaError (fun () -> derive [| teacher |] [| "r" |] "(g - y)^2")
    Assert.Equal("teacher", e.Part)
    Assert.Contains("teacher formula 1 is not finite: ", e.Message)
    Assert.Contains(shown, e.Message)

[<Fact>]
let ``a loss that is not finite once substituted is an error`` () =
    let e = formulaError (fun () -> derive [| "rstar" |] [| "r - r" |] "log(g)")
    Assert.Equal("loss", e.Part)
    Assert.Contains("not finite: log(0)", e.Message)

[<Fact>]
let ``zero times a value known finite is zero, times anything else it stays`` () =
    let s text = Simplify.simplify (Parse.parseOrFail text)
    Assert.Equal("0", Print.infix (s "0*r"))
    Assert.Equal("0", Print.infix (s "0*tanh(r)*exp(rstar)"))
    let kept = s "0*log(r)"
    Assert.NotEqual(Expr.zero, kept)
    let at (x: float) e = Evaluate.eval (fun _ -> x) e
    Assert.True(Double.IsNaN(at -1.0 kept))
    Assert.Equal(0.0, at 2.0 kept)
    Assert.True(Double.IsNaN(at 0.0 (s "rstar + 0/r")))
    // like terms still cancel
    Assert.Equal("0", Print.infix (s "log(r) - log(r)"))

[<Fact>]
let ``a zero times log survives derivation and differentiation keeps structural zeros out`` () =
    let d = derive [| "rstar + 0*log(rstar)" |] [| "r" |] "(g - y)^2/2"
    let loss = d.Model.Loss
    Assert.True(Double.IsNaN(Evaluate.eval (function Member(Teacher, _) -> -1.0 | _ -> 0.5) loss))
    // the gradient of a loss with log(rstar) has no 0*log terms: rstar is not differentiated
    let g = Calculus.differentiate (Variable.r 1) (Parse.parseOrFail "r*log(rstar) + log(r)")
    Assert.Equal("1/r + log(rstar)", Print.infix g)

[<Fact>]
let ``sign squared is not one at zero`` () =
    let e = Simplify.simplify (Parse.parseOrFail "r*sign(r)^2 + sign(r)^4")
    Assert.Equal(0.0, Evaluate.eval (fun _ -> 0.0) e)
    Assert.Equal(3.0, Evaluate.eval (fun _ -> 2.0) e)
    Assert.Equal(-2.0, Evaluate.eval (fun _ -> -3.0) e)

// 2. Generated code holds no user text

[<Theory>]
[<InlineData("line one\nline two")>]
[<InlineData("*/ class X {} /*")>]
[<InlineData("say \"hi\"; }")>]
[<InlineData("back\\slash\\")>]
[<InlineData("sep\u2028arator\u2029")>]
[<InlineData("\n#error boom\n")>]
[<InlineData("</summary> <!-- &amp;")>]
let ``a hostile title reaches the generated code only as escaped data`` (title: string) =
    let d = ModelDerivation.Derive(spec title [| "rstar" |] [| "r" |] "(g - y)^2/2 + 0.1*g^4")
    let source = d.EmitCSharp("HighDimSgd.Models.RuntimeCompiled", "CompiledModel")
    let nameLine = source.Split('\n') |> Array.find (fun l -> l.Contains "string Name =>")
    Assert.Equal(sprintf "    public override string Name => %s;" (EmitCSharp.stringLiteral title), nameLine.TrimEnd('\r'))
    // the literal: ASCII letters, digits, space, '-', '_', '.' and \uXXXX escapes only
    let literal = EmitCSharp.stringLiteral title
    let body = literal.Substring(1, literal.Length - 2)
    Assert.Matches("^([A-Za-z0-9 ._-]|\\\\u[0-9A-F]{4})*$", body)
    Assert.True(source |> Seq.forall (fun c -> c = '\n' || (c >= ' ' && c <= '~')), "generated source is printable ASCII")
    Assert.DoesNotContain("#error", source)
    Assert.DoesNotContain("boom", source.Replace("\\u0023error boom", ""))

[<Fact>]
let ``the emitter refuses class and namespace names that are not identifiers`` () =
    let d = derive [| "rstar" |] [| "r" |] "(g - y)^2"
    Assert.Throws<ArgumentException>(fun () -> d.EmitCSharp("A.B", "C; }") |> ignore) |> ignore
    Assert.Throws<ArgumentException>(fun () -> d.EmitCSharp("A\nB", "C") |> ignore) |> ignore

// 5. Budgets: refused with the limit, or finished in seconds

[<Fact>]
let ``eps99999 is refused with the noise limit`` () =
    let e = formulaError (fun () -> derive [| "rstar + 0.1*eps99999" |] [| "r" |] "(g - y)^2")
    Assert.Equal("teacher", e.Part)
    Assert.Contains(sprintf "beyond the limit of %d noise variables" Derive.MaxNoise, e.Message)
    Assert.Equal(12, e.Position)
    let ok = derive [| sprintf "rstar + 0.1*eps%d" Derive.MaxNoise |] [| "r" |] "(g - y)^2"
    Assert.Equal(Derive.MaxNoise, ok.NoiseCount)

[<Fact>]
let ``nested tanh goes to quadrature in seconds`` () =
    let d, seconds = timed (fun () -> derive [| "rstar" |] [| nested "tanh" 12 "r" |] "(g - y)^2/2")
    Assert.False(d.HasClosedFormLoss)
    Assert.False(d.HasClosedFormFisher)
    Assert.True(seconds < 10.0, sprintf "took %.1f s" seconds)

[<Fact>]
let ``a long polynomial derives in seconds and falls back to quadrature`` () =
    let poly = String.Join(" + ", Array.init 300 (fun k -> sprintf "r^%d" (k + 1)))
    let d, seconds = timed (fun () -> derive [| "rstar" |] [| poly |] "(g - y)^2/2")
    Assert.False(d.HasClosedFormLoss)
    Assert.True(seconds < 10.0, sprintf "took %.1f s" seconds)

[<Fact>]
let ``a polynomial within the expansion budget keeps its closed form`` () =
    let d, seconds = timed (fun () -> derive [| "rstar" |] [| "r + r^2/2 + r^3/6" |] "(g - y)^2/2")
    Assert.True(d.HasClosedFormLoss)
    Assert.True(d.HasClosedFormFisher)
    Assert.True(seconds < 10.0, sprintf "took %.1f s" seconds)
    // E (r + r^2/2 + r^3/6 - rstar)^2 / 2 at B = I: (1 + 3/4 + 15/36 + 2*3/6 + 1) / 2
    let el = d.Model.ExpectedLoss.Value
    let value = Evaluate.eval (function Covariance(i, j) when i = j -> 1.0 | _ -> 0.0) el
    Assert.Equal((1.0 + 0.75 + 15.0 / 36.0 + 1.0 + 1.0) / 2.0, value, 10)

[<Fact>]
let ``Isserlis of a high power is immediate`` () =
    let e, seconds = timed (fun () -> Simplify.simplify (Gaussian.isserlis (List.replicate 16 1 @ List.replicate 16 2)))
    Assert.True(seconds < 5.0, sprintf "took %.1f s" seconds)
    // E r^16 rstar^16 at B = I is 15!!^2
    Assert.Equal(2027025.0 * 2027025.0, Evaluate.eval (function Covariance(i, j) when i = j -> 1.0 | _ -> 0.0) e)

[<Fact>]
let ``many binary noisy outputs are not averaged, a few are`` () =
    let model m =
        let teacher = Array.init m (fun k -> sprintf "step(rstar + 0.3*eps%d)" (k + 1))
        let loss = String.Join(" + ", Array.init m (fun k -> sprintf "(g - y%d)^2" (k + 1)))
        ModelDerivation.Derive(spec "m" teacher [| "r" |] loss)
    let many, seconds = timed (fun () -> model 18)
    Assert.True(seconds < 10.0, sprintf "took %.1f s" seconds)
    Assert.True(many.Model.NoiseAverage.IsNone)
    let few, seconds = timed (fun () -> model Derive.MaxAveragedOutputs)
    Assert.True(seconds < 10.0, sprintf "took %.1f s" seconds)
    Assert.Equal<int list>([ 1 .. Derive.MaxAveragedOutputs ], few.Model.NoiseAverage.Value.Averaged)

[<Fact>]
let ``a huge softmax index is a parse error, not an integer overflow`` () =
    Assert.Contains("softmax expects an integer index between 1 and 2", (parseError "softmax(1e300, r, rstar)").Message)
    Assert.Contains("softmax expects an integer index", (parseError "softmax(4294967297, r, rstar)").Message)

[<Fact>]
let ``a derivative over its limit is refused quickly`` () =
    let product = String.Join("*", Array.init 100 (fun k -> sprintf "tanh(r + %d)" (k + 1)))
    let e, seconds = timed (fun () -> formulaError (fun () -> derive [| "rstar" |] [| product |] "(g - y)^2/2"))
    Assert.Equal("loss", e.Part)
    Assert.Contains(sprintf "would have more than %d nodes, the limit for a derivative" Derive.MaxDerivativeNodes, e.Message)
    Assert.True(seconds < 10.0, sprintf "took %.1f s" seconds)
