module HighDimSgd.Symbolic.Tests.GaussianTests

open System
open HighDimSgd.Symbolic
open HighDimSgd.Symbolic.Tests.Support
open Xunit

let private samples = 200_000

/// Closed form (evaluated at B) against Monte Carlo of the integrand, within 5 standard errors.
let private agrees (rng: Random) (l: int) (b: float[,]) (closed: Expr) (integrand: Expr) (what: string) =
    let exact = Evaluate.eval { randomPoint rng with B = b }.Env closed
    let mean, stderr = monteCarlo rng samples l b (fun p -> Evaluate.eval p.Env integrand)
    if abs (exact - mean) > 5.0 * stderr + 1e-9 then
        failwithf "%s: closed form %g (%s), Monte Carlo %g +- %g" what exact (Print.infix closed) mean stderr

let private checkModel (seed: int) (m: DerivedModel) =
    let rng = Random seed
    let n = m.StudentDirections + m.TeacherDirections
    let b = randomCovariance rng n
    let z k = if k <= m.StudentDirections then Var(Variable.r k) else Var(Variable.rstar (k - m.StudentDirections))
    match m.ExpectedLoss with
    | Some e -> agrees rng m.StudentDirections b e m.Loss (m.Name + " loss")
    | None -> failwithf "%s: expected a closed-form loss" m.Name
    m.Fisher
    |> Option.iter (List.iteri (fun i row ->
        row |> List.iteri (fun j e -> agrees rng m.StudentDirections b e (Product [ m.Gradient[i]; m.Gradient[j] ]) (sprintf "%s fisher[%d,%d]" m.Name i j))))
    m.Cross
    |> Option.iter (List.iteri (fun i row ->
        row |> List.iteri (fun k e -> agrees rng m.StudentDirections b e (Product [ m.Gradient[i]; z (k + 1) ]) (sprintf "%s cross[%d,%d]" m.Name i k))))

[<Theory>]
[<InlineData(1)>]
[<InlineData(2)>]
let ``least squares with noise: closed forms match Monte Carlo`` (seed: int) =
    let m = Derive.derive "least-squares" 1 1 None 0 [ "rstar + 0.5*eps" ] [ "r" ] "(g - y)^2/2"
    Assert.True(m.Fisher.IsSome && m.Cross.IsSome)
    checkModel seed m

[<Theory>]
[<InlineData(3)>]
[<InlineData(4)>]
let ``random polynomial losses in two student and one teacher direction match Monte Carlo`` (seed: int) =
    let m = Derive.derive "poly" 1 2 None 0 [ "rstar^2 - 0.5*rstar + eps" ] [ "r1*r2 + 0.3*r1"; "r2^2" ] "(g1 - y)^2/2 + 0.1*g2^2 + g1*g2/4"
    checkModel seed m

[<Theory>]
[<InlineData(5)>]
[<InlineData(6)>]
let ``smooth phase retrieval closed forms match Monte Carlo`` (seed: int) =
    Derive.derive "spr" 1 1 None 0 [ "rstar^2" ] [ "r^2" ] "(g - y)^2/4" |> checkModel seed

[<Theory>]
[<InlineData(7)>]
[<InlineData(8)>]
let ``phase retrieval arcsine law matches Monte Carlo`` (seed: int) =
    let m = Derive.derive "pr" 1 1 None 0 [ "abs(rstar)" ] [ "abs(r)" ] "(g - y)^2/2"
    Assert.True(m.Fisher.IsSome && m.Cross.IsSome)
    checkModel seed m

[<Fact>]
let ``phase retrieval loss is the formula of theory section 6`` () =
    let m = Derive.derive "pr" 1 1 None 0 [ "abs(rstar)" ] [ "abs(r)" ] "(g - y)^2/2"
    let a, b, c = 1.3, 0.7, 0.4
    let cov = array2D [ [ a; c ]; [ c; b ] ]
    let rho = c / sqrt (a * b)
    let expected = (a + b) / 2.0 - 2.0 / Math.PI * sqrt (a * b) * (sqrt (1.0 - rho * rho) + rho * asin rho)
    let value = Evaluate.eval { randomPoint (Random 1) with B = cov }.Env m.ExpectedLoss.Value
    Assert.Equal(expected, value, 12)

[<Theory>]
[<InlineData(9)>]
[<InlineData(10)>]
let ``erf committee loss (erf-pair rule) matches Monte Carlo`` (seed: int) =
    let m =
        Derive.derive "erf" 2 2 None 0 [ "erf(rstar1/sqrt(2)) + erf(rstar2/sqrt(2))" ] [ "erf(r1/sqrt(2)) + erf(r2/sqrt(2))" ] "(g - y)^2/2"
    checkModel seed m

[<Theory>]
[<InlineData(11)>]
[<InlineData(12)>]
let ``erf student against a noisy linear teacher (Gaussian factors absorbed, Stein's lemma) matches Monte Carlo`` (seed: int) =
    // The gradient carries exp(-r^2): the Fisher needs E[exp(-2 r^2) (erf r - y)^2], the cross moment E[exp(-r^2) erf(r) z]
    // and E[exp(-r^2) y z], each under the covariance the Gaussian factor leaves.
    let m = Derive.derive "erf-linear" 1 1 None 0 [ "rstar + 0.5*eps" ] [ "erf(r)" ] "(g - y)^2/2"
    Assert.True(m.Fisher.IsSome && m.Cross.IsSome)
    checkModel seed m

[<Fact>]
let ``no closed form for logistic, cross-entropy or free labels`` () =
    let logistic = Derive.derive "l" 1 1 None 0 [ "step(rstar + 0.3*eps)" ] [ "r" ] "softplus(g) - y*g"
    Assert.True(logistic.ExpectedLoss.IsNone && logistic.Fisher.IsNone)
    let hard = Derive.derive "h" 0 1 None 1 [] [ "r" ] "(g - y)^2/2"
    Assert.True(hard.ExpectedLoss.IsNone)

[<Fact>]
let ``Isserlis gives the fourth moment 3 B11^2`` () =
    Assert.Equal("3*B11^2", Print.infix (Simplify.simplify (Gaussian.isserlis [ 1; 1; 1; 1 ])))
