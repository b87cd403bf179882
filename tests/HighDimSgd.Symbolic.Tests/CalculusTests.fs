module HighDimSgd.Symbolic.Tests.CalculusTests

open System
open HighDimSgd.Symbolic
open HighDimSgd.Symbolic.Tests.Support
open Xunit

/// Compares an exact derivative with central differences of `f` at steps h and h/2. A kink within h shows up as
/// disagreement between the two step sizes, and a point where f or a difference is not finite is one where the
/// derivative need not exist: both are skipped (and counted). Anywhere else a NaN or infinite exact value is a failure.
let private compareWithDifferences what (f: Point -> float) (exact: float) (p: Point) (i: int) (tolerance: float) =
    let at delta =
        let r = Array.copy p.R
        r[i - 1] <- r[i - 1] + delta
        f { p with R = r }
    let h = 1e-5
    let fd = (at h - at -h) / (2.0 * h)
    let fdHalf = (at (h / 2.0) - at (-h / 2.0)) / h
    let defined = Double.IsFinite(f p) && Double.IsFinite fd && Double.IsFinite fdHalf
    if not defined || abs (fd - fdHalf) > 1e-4 * (1.0 + abs fd) then
        Skipped
    elif Double.IsFinite exact && abs (exact - fd) <= tolerance * (1.0 + abs fd) then
        Checked
    else
        failwithf "%s at r = %A, rstar = %A, eps = %A: exact %g, finite difference %g" what p.R p.RStar p.Eps exact fd

// Seeded (checkCounted), so a failure replays; the seeds are arbitrary. At most 5% of the points may be skipped.
[<Fact>]
let ``every derivative agrees with central finite differences away from kinks`` () =
    checkCounted (20261202UL, 7919UL) 500 0.05 (fun seed ->
        let rng = Random seed
        let e = randomExpr rng 4
        let p = randomPoint rng
        [ for i in 1 .. 2 ->
              let exact = Evaluate.eval p.Env (Calculus.differentiate (Variable.r i) e)
              compareWithDifferences (sprintf "d/dr%d of %s" i (Print.infix e)) (fun q -> Evaluate.eval q.Env e) exact p i 2e-5 ])

[<Fact>]
let ``every second derivative agrees with finite differences of the first`` () =
    checkCounted (4242UL, 1009UL) 300 0.05 (fun seed ->
        let rng = Random seed
        let e = randomExpr rng 3
        let p = randomPoint rng
        [ for i in 1 .. 2 do
              for j in 1 .. 2 ->
                  let first = Calculus.differentiate (Variable.r i) e
                  let exact = Evaluate.eval p.Env (Calculus.differentiate (Variable.r j) first)
                  compareWithDifferences (sprintf "d2/dr%d dr%d of %s" i j (Print.infix e)) (fun q -> Evaluate.eval q.Env first) exact p j 2e-4 ])

[<Fact>]
let ``derivative conventions at kinks`` () =
    let d text = Print.infix (Calculus.differentiate (Variable.r 1) (Parse.parseOrFail text))
    Assert.Equal("sign(r)", d "abs(r)")
    Assert.Equal("step(r)", d "relu(r)")
    Assert.Equal("0", d "sign(r) + step(r)")
    Assert.Equal("softmax(1, r, rstar)", d "logsumexp(r, rstar)")
    Assert.Equal("sigmoid(r)", d "softplus(r)")

[<Fact>]
let ``the teacher is never differentiated: gradient is in r only`` () =
    let m = Derive.derive "t" 1 1 None 0 [ "step(rstar + 0.3*eps)" ] [ "r" ] "softplus(g) - y*g"
    Assert.Equal("-step(rstar + 0.3*eps) + sigmoid(r)", Print.infixWith m.Naming m.Gradient.Head)
    Assert.Equal("sigmoid(r)*sigmoid(-r)", Print.infixWith m.Naming m.Hessian.Head.Head)
