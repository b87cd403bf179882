/// The Hessian in r as the derivation produces it (DerivedModel.Hessian) against central finite differences of the
/// derived gradient, and the gradient against finite differences of the loss: for every built-in model card and for
/// random losses composed with random student outputs.
module HighDimSgd.Symbolic.Tests.HessianTests

open System
open System.IO
open HighDimSgd.Generator
open HighDimSgd.Symbolic
open HighDimSgd.Symbolic.Tests.Support
open Xunit

/// Values of a derived model's variables: r, rstar, eps, free labels y and the card's parameters c.
type private Inputs =
    { R: float[]; RStar: float[]; Eps: float[]; Y: float[]; C: float[] }
    member p.Env(v: Variable) =
        match v with
        | Member(Student, i) -> p.R[i - 1]
        | Member(Teacher, i) -> p.RStar[i - 1]
        | Member(Noise, i) -> p.Eps[i - 1]
        | Member(Label, i) -> p.Y[i - 1]
        | Member(Parameter, i) -> p.C[i - 1]
        | _ -> nan

/// An exact derivative in r_i against central differences of f at steps h = 1e-5 and h/2. A point where f or a
/// difference is not finite, or where the two steps disagree (a kink within h), is skipped; anywhere else the exact value
/// must be finite and within tolerance * (1 + |difference|).
let private against what (f: Expr) (exact: Expr) (p: Inputs) (i: int) (tolerance: float) =
    let at delta =
        let r = Array.copy p.R
        r[i - 1] <- r[i - 1] + delta
        Evaluate.eval { p with R = r }.Env f
    let h = 1e-5
    let fd = (at h - at -h) / (2.0 * h)
    let fdHalf = (at (h / 2.0) - at (-h / 2.0)) / h
    let exactValue = Evaluate.eval p.Env exact
    let defined = Double.IsFinite(Evaluate.eval p.Env f) && Double.IsFinite fd && Double.IsFinite fdHalf
    if not defined || abs (fd - fdHalf) > 1e-4 * (1.0 + abs fd) then
        Skipped
    elif Double.IsFinite exactValue && abs (exactValue - fd) <= tolerance * (1.0 + abs fd) then
        Checked
    else
        failwithf "%s at r = %A, rstar = %A, eps = %A, y = %A: exact %.17g, finite difference %.17g" what p.R p.RStar p.Eps p.Y exactValue fd

/// Gradient against the loss, Hessian against the gradient, and the Hessian's symmetry, at one point.
let private checkDerivatives (m: DerivedModel) (p: Inputs) (gradientTolerance: float) (hessianTolerance: float) =
    let l = m.StudentDirections
    let name = Print.infixWith m.Naming m.Loss
    let gradient i = List.item (i - 1) m.Gradient
    let hessian i j = List.item (j - 1) (List.item (i - 1) m.Hessian)
    [ for i in 1 .. l -> against (sprintf "d/dr%d of %s" i name) m.Loss (gradient i) p i gradientTolerance ]
    @ [ for i in 1 .. l do
            for j in 1 .. l do
                // H[i][j] = d/dr_i grad_j f (Derivation.fs): the difference is taken in r_i of the gradient's entry j.
                let hij = Evaluate.eval p.Env (hessian i j)
                let hji = Evaluate.eval p.Env (hessian j i)
                if Double.IsFinite hij && not (abs (hij - hji) <= 1e-10 * (1.0 + abs hij)) then
                    failwithf "the Hessian of %s is not symmetric at r = %A: H%d%d = %.17g, H%d%d = %.17g" name p.R i j hij j i hji
                yield against (sprintf "H%d%d of %s" i j name) (gradient j) (hessian i j) p i hessianTolerance ]

let private cards () =
    let root =
        match ModelCards.findRoot AppContext.BaseDirectory with
        | Some root -> root
        | None -> failwith "cannot find HighDimSgd.Hybrid.sln above the test folder"
    Directory.GetFiles(ModelCards.cardsDirectory root, "*.toml") |> Array.sort |> Array.map ModelCards.readCard

let cardNames: obj[] seq = cards () |> Seq.map (fun c -> [| box c.Name |])

[<Fact>]
let ``every model card is checked`` () =
    // The theory below runs over the cards found; there are eight today, and none may be lost silently.
    Assert.True(Seq.length cardNames >= 8, sprintf "only %d model cards found" (Seq.length cardNames))

[<Theory>]
[<MemberData(nameof cardNames)>]
let ``a model card's Hessian agrees with central differences of its gradient away from kinks`` (name: string) =
    let card = cards () |> Array.find (fun c -> c.Name = name)
    let m = (ModelDerivation.Derive card.Spec).Model
    // The only kink of the cards in r is phase retrieval's abs(r) at 0: almost no point is skipped.
    checkCounted (uint64 (name.Length * 1000 + int name[0]), 104729UL) 100 0.02 (fun seed ->
        let rng = Random seed
        let y = Array.zeroCreate m.LabelCount
        if m.LabelCount = 1 then y[0] <- float (rng.Next 2)
        elif m.LabelCount > 1 then y[rng.Next m.LabelCount] <- 1.0
        let p =
            { R = Array.init m.StudentDirections (fun _ -> normal rng)
              RStar = Array.init m.TeacherDirections (fun _ -> normal rng)
              Eps = Array.init m.NoiseCount (fun _ -> normal rng)
              Y = y
              C = List.toArray m.Parameters }
        checkDerivatives m p 1e-6 1e-6)

[<Fact>]
let ``the derived Hessian of random losses of random student outputs agrees with central differences`` () =
    // Losses in g1, g2 and the labels y1 = rstar, y2 = tanh(rstar) + eps/2, with g1, g2 random functions of r1, r2:
    // the derivation substitutes and differentiates through the chain rule.
    let student e = e |> Expr.substitute (function Member(Teacher, _) -> Some(r 1) | Member(Noise, _) -> Some(r 2) | _ -> None)
    let loss e =
        e
        |> Expr.substitute (function
            | Member(Student, i) -> Some(Var(Member(Output, i)))
            | Member(Teacher, _) -> Some(Var(Member(Label, 1)))
            | Member(Noise, _) -> Some(Var(Member(Label, 2)))
            | _ -> None)
    let text = Print.infixWith Naming.Indexed
    checkCounted (31415926UL, 2718281UL) 150 0.05 (fun seed ->
        let rng = Random seed
        let g1 = student (randomExpr rng 2)
        let g2 = student (randomExpr rng 2)
        let f = loss (randomExpr rng 3)
        let m = Derive.derive "random" 1 2 None 0 [ "rstar1"; "tanh(rstar1) + 0.5*eps1" ] [ text g1; text g2 ] (text f)
        let p =
            { R = Array.init 2 (fun _ -> normal rng)
              RStar = [| normal rng |]
              Eps = [| normal rng |]
              Y = [||]
              C = [||] }
        checkDerivatives m p 2e-5 2e-4)
