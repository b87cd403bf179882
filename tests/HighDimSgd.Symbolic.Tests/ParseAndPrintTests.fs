module HighDimSgd.Symbolic.Tests.ParseAndPrintTests

open System
open HighDimSgd.Symbolic
open HighDimSgd.Symbolic.Tests.Support
open Xunit

let private parseError text =
    match Parse.parse text with
    | Error e -> e
    | Ok e -> failwithf "expected a parse error for %s, got %A" text e

[<Fact>]
let ``unbalanced parenthesis reports the position where ')' was expected`` () =
    let e = parseError "(r + 1 * 2"
    Assert.Equal(10, e.Position)
    Assert.Equal("expected ')' at position 10", e.Message)

[<Fact>]
let ``unknown function is reported at its start`` () =
    let e = parseError "foo(r)"
    Assert.Equal(0, e.Position)
    Assert.Equal("unknown function 'foo' at position 0", e.Message)

[<Fact>]
let ``unknown variable is reported at its start`` () =
    let e = parseError "r + z"
    Assert.Equal(4, e.Position)
    Assert.Equal("unknown variable 'z' at position 4", e.Message)

[<Fact>]
let ``stray closing parenthesis and dangling operator are errors`` () =
    Assert.Equal(5, (parseError "r + 1)").Position)
    Assert.Equal(3, (parseError "r +").Position)
    Assert.Contains("expects 1 argument", (parseError "exp(r, r)").Message)
    Assert.Contains("softmax expects an integer index", (parseError "softmax(4, r1, r2)").Message)

[<Fact>]
let ``variables parse with and without index`` () =
    let vars text = Parse.variablesOf text |> Result.defaultWith (fun e -> failwith e.Message) |> Set.toList
    Assert.Equal<Variable list>([ Variable.r 1; Variable.rstar 1 ], vars "r + rstar")
    Assert.Equal<Variable list>([ Variable.r 1; Variable.r 2; Variable.rstar 3; Variable.eps 2; Variable.y 1 ], vars "r1 * r2 + rstar3 - eps2 / y")
    Assert.Equal<Variable list>([ Variable.covariance 1 2; Variable.covariance 3 10 ], vars "B21 + B_3_10")

[<Fact>]
let ``precedence: unary minus binds looser than power, power is right associative`` () =
    let at x text = Evaluate.eval (fun _ -> x) (Parse.parseOrFail text)
    Assert.Equal(-4.0, at 2.0 "-r^2")
    Assert.Equal(2.0 ** 9.0, at 2.0 "2^3^2" / 1.0)
    Assert.Equal(0.25, at 2.0 "r^-2")
    Assert.Equal(1.0, at 2.0 "6/r/3")
    Assert.Equal(7.0, at 2.0 "1 + r*3")
    Assert.Equal(1e-5 * 2.0, at 2.0 "1e-5*r")

[<Fact>]
let ``print then parse gives the same simplified expression`` () =
    checkCounted (11UL, 13UL) 300 0.0 (fun seed ->
        let rng = Random seed
        let e = Simplify.simplify (randomExpr rng 4)
        let printed = Print.infix e
        match Parse.parse printed with
        | Error err -> failwithf "%s does not parse: %s" printed err.Message
        | Ok back ->
            let again = Simplify.simplify back
            if again <> e then failwithf "round trip changed %s into %s" printed (Print.infix again)
            // The LaTeX printer handles every node too.
            Assert.False(String.IsNullOrEmpty(Print.latex e))
            [ Checked ])

[<Fact>]
let ``simplification preserves the value`` () =
    checkCounted (17UL, 19UL) 300 0.05 (fun seed ->
        let rng = Random seed
        let e = randomExpr rng 4
        let p = randomPoint rng
        let before = Evaluate.eval p.Env e
        let after = Evaluate.eval p.Env (Simplify.simplify e)
        // A NaN before may become a number after: the simplifier cancels x - x even where x overflows (documented in
        // docs/formula-language.md); such a point is skipped (and counted). A finite or infinite value must be kept.
        if Double.IsNaN before then [ Skipped ]
        elif (Double.IsInfinity before && after = before) || abs (before - after) <= 1e-9 * (1.0 + abs before) then [ Checked ]
        else failwithf "simplifying %s changed its value at r = %A, rstar = %A, eps = %A from %g to %g" (Print.infix e) p.R p.RStar p.Eps before after)

[<Fact>]
let ``simplifier collects terms and powers and drops neutral elements`` () =
    let s text = Print.infix (Simplify.simplify (Parse.parseOrFail text))
    Assert.Equal("2*r", s "r + r")
    Assert.Equal("r^2", s "r*r")
    Assert.Equal("0", s "0*r + r - r")
    Assert.Equal("r", s "r^1*1 + 0")
    Assert.Equal("5", s "2 + 3")
    Assert.Equal("r", s "abs(r)*sign(r)")
    Assert.Equal("sign(r)^2", s "sign(r)^2") // 0 at r = 0, not 1
    Assert.Equal("sign(r)", s "sign(r)^3")
    Assert.Equal("r^2", s "abs(r)^2")
    Assert.Equal("rstar*r^5", s "r^2*rstar*r^3")
    Assert.Equal("sqrt(2)", s "2^0.5")
    Assert.Equal("r", s "log(exp(r))")

/// Identities of the non-smooth functions the simplifier might use, in X, which the test replaces by r, r - 1, r*rstar and
/// 2*r - rstar. With sign(0) = 0 and step(0) = 0 several that hold almost everywhere fail at X = 0 (sign(X)^2 = 1,
/// step(X) + step(-X) = 1, X/abs(X) = sign(X)): the simplified form must have the formula's value there too.
let private kinkTemplates =
    [ "sign(X)^2"; "sign(X)^4"; "sign(X)^3"; "sign(X)^-2"; "sign(X)^2 - 1"; "1 - sign(X)^2"; "sign(X)*sign(X)"
      "sign(X)^2*X"; "sign(X)^2*abs(X)"; "sign(X)*abs(X)"; "abs(X)*sign(X)^3"; "sign(X)*abs(X)^3"; "sign(X)^5*abs(X)"
      "X*sign(X)"; "abs(X)/X"; "X/abs(X)"; "X/abs(X) - sign(X)"; "abs(X)/X - sign(X)"
      "step(X) + step(-X)"; "1 - step(X) - step(-X)"; "step(X)*step(-X)"; "step(X)^2"; "step(X)^3*sign(X)"
      "step(X)*sign(X)"; "step(X) - step(-X)"; "step(2*X)"; "step(-X)"; "step(X)*X"; "sign(-2*X)"; "abs(-3*X)"
      "relu(3*X)"; "relu(X) - relu(-X)"; "relu(X) + relu(-X)"; "relu(X)/X"; "sign(abs(X))"; "abs(abs(X))"
      "abs(sign(X))"; "sign(sign(X))"; "abs(X)^2"; "abs(X)^4"; "abs(X)^3"; "sqrt(X^2)"; "abs(X^2)"; "max(X, -X)"
      "min(X, X)"; "max(X, 0)"; "sign(X)^2*sign(-X)"; "(sign(X)*abs(X))^2"; "sign(X*X)"; "step(X*X)"; "abs(X)*abs(X)" ]

[<Fact>]
let ``simplification rules hold at kinks: both sides agree at X = 0 and elsewhere`` () =
    let substitutions = [ "r"; "(r - 1)"; "(r*rstar)"; "(2*r - rstar)" ]
    let points = [ 0.0, 0.7; -0.0, 0.7; 1.0, 0.7; 0.35, 0.7; 0.7, 0.0; -1.3, 2.1; 2.2, -0.4; 1.0, -3.0 ]
    let env (r, rstar) v =
        match v with
        | Member(Student, _) -> r
        | Member(Teacher, _) -> rstar
        | _ -> nan
    let same (a: float) (b: float) = (Double.IsNaN a && Double.IsNaN b) || a = b || abs (a - b) <= 1e-12 * (1.0 + abs a)
    for x in substitutions do
        // Each substitution meets its kink at one of the points at least.
        Assert.Contains(points, fun p -> Evaluate.eval (env p) (Parse.parseOrFail x) = 0.0)
        for template in kinkTemplates do
            let text = template.Replace("X", x)
            let formula = Parse.parseOrFail text
            let simplified = Simplify.simplify formula
            for p in points do
                let before = Evaluate.eval (env p) formula
                let after = Evaluate.eval (env p) simplified
                if not (same before after) then
                    failwithf "%s simplified to %s: %g before, %g after at (r, rstar) = %A" text (Print.infix simplified) before after p

[<Fact>]
let ``printers name single variables without index`` () =
    let e = Parse.parseOrFail "r1 + rstar1*eps1"
    Assert.Equal("r + rstar*eps", Print.infix (Simplify.simplify e))
    Assert.Equal("r1 + rstar1*eps1", Print.infixWith Naming.Indexed (Simplify.simplify e))
    Assert.Equal("\\frac{r}{r^{\\star}}", Print.latex (Simplify.simplify (Parse.parseOrFail "r/rstar")))
