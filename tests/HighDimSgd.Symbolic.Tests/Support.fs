/// Random expressions, random points, random covariances and Monte Carlo for the tests.
module HighDimSgd.Symbolic.Tests.Support

open System
open FsCheck
open FsCheck.FSharp
open HighDimSgd.Symbolic

let r i = Var(Variable.r i)
let rstar i = Var(Variable.rstar i)
let eps i = Var(Variable.eps i)

/// A random expression over r1, r2, rstar1, eps1 whose value is finite everywhere: log, sqrt and
/// asin get arguments inside their domains.
let rec randomExpr (rng: Random) (depth: int) : Expr =
    let leaf () =
        match rng.Next 6 with
        | 0 -> Number(float (rng.Next(-3, 4)))
        | 1 -> Number(float (rng.Next(1, 8)) / 4.0)
        | 2 -> r 2
        | 3 -> rstar 1
        | 4 -> eps 1
        | _ -> r 1
    if depth = 0 then
        leaf ()
    else
        let sub () = randomExpr rng (depth - 1)
        let positive x = Sum [ Number 1.5; Power(x, Number 2.0) ]
        match rng.Next 14 with
        | 0 | 1 -> Sum [ sub (); sub () ]
        | 2 | 3 -> Product [ sub (); sub () ]
        | 4 -> Power(sub (), Number(float (rng.Next(2, 4))))
        | 5 -> Power(positive (sub ()), Number -1.0)
        | 6 ->
            let f = [| Exp; Abs; Sign; Step; Relu; Sigmoid; Softplus; Tanh; Erf |][rng.Next 9]
            let arg = sub ()
            // exp of a large polynomial overflows finite differences; keep its argument bounded.
            if f = Exp then Apply(Exp, Apply(Tanh, arg)) else Apply(f, arg)
        | 7 -> Apply([| Log; Sqrt |][rng.Next 2], positive (sub ()))
        | 8 -> Apply(Asin, Product [ Number 0.9; Apply(Tanh, sub ()) ])
        | 9 -> Max(sub (), sub ())
        | 10 -> Min(sub (), sub ())
        | 11 -> LogSumExp [ sub (); sub (); leaf () ]
        | 12 -> Softmax(rng.Next(1, 3), [ sub (); sub () ])
        | _ -> Product [ Number -1.0; sub () ]

/// A standard normal draw (Box-Muller).
let normal (rng: Random) =
    let u1 = 1.0 - rng.NextDouble()
    let u2 = rng.NextDouble()
    sqrt (-2.0 * log u1) * cos (2.0 * Math.PI * u2)

/// Values for the family members by index (r1.., rstar1.., eps1.., y1..).
type Point =
    { R: float[]; RStar: float[]; Eps: float[]; Y: float[]; B: float[,] }
    member p.Env(v: Variable) =
        match v with
        | Member(Student, i) -> p.R[i - 1]
        | Member(Teacher, i) -> p.RStar[i - 1]
        | Member(Noise, i) -> p.Eps[i - 1]
        | Member(Label, i) -> p.Y[i - 1]
        | Covariance(i, j) -> p.B[i - 1, j - 1]
        // Outputs are substituted before evaluation and parameters are bound by the cards: neither has a value here.
        | Member((Output | Parameter), _) -> nan

let randomPoint (rng: Random) =
    { R = Array.init 3 (fun _ -> normal rng)
      RStar = Array.init 3 (fun _ -> normal rng)
      Eps = Array.init 2 (fun _ -> normal rng)
      Y = Array.init 3 (fun _ -> rng.NextDouble())
      B = Array2D.zeroCreate 1 1 }

/// A random positive-definite n x n matrix: W W^T / m + 0.2 I with W Gaussian, scaled by 0.5..2.
let randomCovariance (rng: Random) n =
    let m = n + 2
    let w = Array2D.init n m (fun _ _ -> normal rng)
    let s = 0.5 + 1.5 * rng.NextDouble()
    Array2D.init n n (fun i j ->
        s * ((Seq.sum (seq { for k in 0 .. m - 1 -> w[i, k] * w[j, k] })) / float m + (if i = j then 0.2 else 0.0)))

let cholesky (b: float[,]) =
    let n = Array2D.length1 b
    let l = Array2D.zeroCreate n n
    for i in 0 .. n - 1 do
        for j in 0 .. i do
            let s = b[i, j] - Seq.sum (seq { for k in 0 .. j - 1 -> l[i, k] * l[j, k] })
            l[i, j] <- if i = j then sqrt s else s / l[j, j]
    l

/// Mean and standard error of f over samples of (r, rstar) ~ N(0, B) (first l entries r), eps ~ N(0, 1).
let monteCarlo (rng: Random) (samples: int) (l: int) (b: float[,]) (f: Point -> float) =
    let n = Array2D.length1 b
    let chol = cholesky b
    let z = Array.zeroCreate n
    let x = Array.zeroCreate n
    let mutable sum = 0.0
    let mutable sumSq = 0.0
    for _ in 1 .. samples do
        for i in 0 .. n - 1 do
            z[i] <- normal rng
        for i in 0 .. n - 1 do
            x[i] <- Seq.sum (seq { for k in 0 .. i -> chol[i, k] * z[k] })
        let p =
            { R = x[0 .. l - 1]
              RStar = x[l ..]
              Eps = [| normal rng; normal rng |]
              Y = [||]
              B = b }
        let v = f p
        sum <- sum + v
        sumSq <- sumSq + v * v
    let mean = sum / float samples
    let variance = (sumSq / float samples - mean * mean) * float samples / float (samples - 1)
    mean, sqrt (max variance 0.0 / float samples)

/// What a property found at one point: checked (and it held), or skipped (the point is not one where the property
/// applies: the function is undefined there, or a kink lies within the finite-difference step).
type Outcome =
    | Checked
    | Skipped

/// Runs check on `cases` seeds, drawn over the whole int range by FsCheck from the fixed replay (seed, gamma): the same
/// seeds on every run, and a failure (check throws, or returns false for a point) is reported with the case's seed and
/// FsCheck's replay. check returns one Outcome per point it looked at; when more than maxSkipped (a fraction) of all
/// points were skipped the property fails, so a guard that skips almost everything cannot make it pass.
let checkCounted (replaySeed: uint64, replayGamma: uint64) (cases: int) (maxSkipped: float) (check: int -> Outcome list) =
    let counts = [| 0; 0 |] // checked, skipped
    let config =
        Config.QuickThrowOnFailure
            .WithMaxTest(cases)
            .WithReplay(Some { Rnd = Rnd(replaySeed, replayGamma); Size = None })
    let seeds = Arb.fromGen (Gen.choose (0, Int32.MaxValue))
    let property =
        Prop.forAll seeds (fun seed ->
            for outcome in check seed do
                match outcome with
                | Checked -> counts[0] <- counts[0] + 1
                | Skipped -> counts[1] <- counts[1] + 1
            true)
    Check.One(config, property)
    let total = counts[0] + counts[1]
    if total = 0 || float counts[1] > maxSkipped * float total then
        failwithf "%d of %d points were skipped, more than the %g allowed: the property checks too little" counts[1] total maxSkipped
