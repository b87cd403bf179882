module HighDimSgd.Symbolic.Tests.CalculusTests

open System
open FsCheck.Xunit
open HighDimSgd.Symbolic
open HighDimSgd.Symbolic.Tests.Support
open Xunit

/// Central difference in r_i at the point p.
let private finiteDifference (e: Expr) (i: int) (p: Point) (h: float) =
    let at delta =
        let r = Array.copy p.R
        r[i - 1] <- r[i - 1] + delta
        Evaluate.eval { p with R = r }.Env e
    (at h - at -h) / (2.0 * h)

// Seeded, so a failure replays; the seeds are arbitrary.
[<Property(MaxTest = 500, Replay = "(20261202,7919)")>]
let ``every derivative agrees with central finite differences away from kinks`` (seed: int) =
    let rng = Random seed
    let e = randomExpr rng 4
    let p = randomPoint rng
    [ 1; 2 ]
    |> List.forall (fun i ->
        let exact = Evaluate.eval p.Env (Calculus.differentiate (Variable.r i) e)
        let h = 1e-5
        let fd = finiteDifference e i p h
        let fdHalf = finiteDifference e i p (h / 2.0)
        // A kink within h shows up as disagreement between the two step sizes: skip that point. Where the function and
        // both differences are finite the derivative is defined, and a NaN or infinite exact value is a failure.
        let nearKink = abs (fd - fdHalf) > 1e-4 * (1.0 + abs fd)
        let defined = Double.IsFinite (Evaluate.eval p.Env e) && Double.IsFinite fd && Double.IsFinite fdHalf
        let ok = nearKink || not defined || (Double.IsFinite exact && abs (exact - fd) <= 2e-5 * (1.0 + abs fd))
        if not ok then
            failwithf "d/dr%d of %s: exact %g, finite difference %g" i (Print.infix e) exact fd
        ok)

[<Property(MaxTest = 300, Replay = "(4242,1009)")>]
let ``every second derivative agrees with finite differences of the first`` (seed: int) =
    let rng = Random seed
    let e = randomExpr rng 3
    let p = randomPoint rng
    [ for i in 1 .. 2 do for j in 1 .. 2 -> i, j ]
    |> List.forall (fun (i, j) ->
        let first = Calculus.differentiate (Variable.r i) e
        let exact = Evaluate.eval p.Env (Calculus.differentiate (Variable.r j) first)
        let fd = finiteDifference first j p 1e-5
        let fdHalf = finiteDifference first j p 5e-6
        let nearKink = abs (fd - fdHalf) > 1e-4 * (1.0 + abs fd)
        let defined = Double.IsFinite (Evaluate.eval p.Env first) && Double.IsFinite fd && Double.IsFinite fdHalf
        let ok = nearKink || not defined || (Double.IsFinite exact && abs (exact - fd) <= 2e-4 * (1.0 + abs fd))
        if not ok then
            failwithf "d2/dr%d dr%d of %s: exact %g, finite difference %g" i j (Print.infix e) exact fd
        ok)

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
