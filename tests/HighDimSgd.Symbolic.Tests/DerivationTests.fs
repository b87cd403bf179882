module HighDimSgd.Symbolic.Tests.DerivationTests

open System
open System.Text.Json
open HighDimSgd.Symbolic
open Xunit

let private spec teacher student loss =
    ModelSpec("m", 2, 2, Nullable(), 0, teacher, student, loss)

let private formulaError f =
    Assert.Throws<FormulaException>(fun () -> f () |> ignore)

[<Fact>]
let ``student formulas may not use the teacher`` () =
    let e = formulaError (fun () -> ModelDerivation.Derive(spec [| "rstar1" |] [| "r1"; "r2 + rstar2" |] "(g1 - y)^2"))
    Assert.Equal("student", e.Part)
    Assert.Equal(1, e.Index)
    Assert.Equal(5, e.Position)
    Assert.Contains("'rstar2' may not appear in a student formula", e.Message)

[<Fact>]
let ``teacher formulas may not use the student and indices must exist`` () =
    let e = formulaError (fun () -> ModelDerivation.Derive(spec [| "r1 + rstar1" |] [| "r1" |] "(g - y)^2"))
    Assert.Equal("teacher", e.Part)
    Assert.Equal(0, e.Position)
    let e2 = formulaError (fun () -> ModelDerivation.Derive(spec [| "rstar3" |] [| "r1" |] "(g - y)^2"))
    Assert.Contains("beyond the 2 teacher directions", e2.Message)
    let e3 = formulaError (fun () -> ModelDerivation.Derive(spec [| "rstar1" |] [| "r1" |] "(g2 - y)^2"))
    Assert.Equal("loss", e3.Part)
    Assert.Equal(1, e3.Position)

[<Fact>]
let ``a loss with labels needs a teacher or declared free labels`` () =
    let e = formulaError (fun () -> ModelDerivation.Derive(ModelSpec("m", 0, 1, Nullable(), 0, [||], [| "r" |], "(g - y)^2")))
    Assert.Equal("loss", e.Part)
    Assert.Equal(5, e.Position)
    let free = ModelDerivation.Derive(ModelSpec("m", 0, 1, Nullable(), 1, [||], [| "r" |], "(g - y)^2/2"))
    Assert.Equal("r - y", free.Gradient[0])
    Assert.Equal(1, free.LabelCount)

[<Fact>]
let ``parse errors in a formula carry part, index and position`` () =
    let e = formulaError (fun () -> ModelDerivation.Derive(spec [| "rstar1" |] [| "r1"; "(r2" |] "(g1 - y)^2"))
    Assert.Equal("student", e.Part)
    Assert.Equal(1, e.Index)
    Assert.Equal(3, e.Position)

[<Fact>]
let ``noise count is inferred from the teacher`` () =
    let d = ModelDerivation.Derive(spec [| "rstar1 + eps2" |] [| "r1" |] "(g - y)^2")
    Assert.Equal(2, d.NoiseCount)

[<Fact>]
let ``presets: known names and a helpful error`` () =
    Assert.Equal("softplus(g) - y*g", ModelDerivation.LossPreset "logistic")
    Assert.Equal("(g1 - y1)^2/2 + (g2 - y2)^2/2", ModelDerivation.LossPreset("least-squares", 2))
    let e = formulaError (fun () -> ModelDerivation.LossPreset "hinge")
    Assert.Contains("known presets: least-squares, logistic, cross-entropy", e.Message)

[<Fact>]
let ``JSON report has exactly the four keys and re-parseable strings`` () =
    let d = ModelDerivation.Derive(ModelSpec("least-squares", 1, 1, Nullable(), 0, [| "rstar + 0.5*eps" |], [| "r" |], "(g - y)^2/2"))
    use doc = JsonDocument.Parse(d.ToJson())
    let root = doc.RootElement
    Assert.Equal<string list>([ "loss"; "gradient"; "hessian"; "expectations" ], [ for p in root.EnumerateObject() -> p.Name ])
    let strings =
        [ yield root.GetProperty("loss").GetString()
          for g in root.GetProperty("gradient").EnumerateArray() -> g.GetString()
          for row in root.GetProperty("hessian").EnumerateArray() do
              for h in row.EnumerateArray() -> h.GetString()
          for p in root.GetProperty("expectations").EnumerateObject() -> p.Value.GetString() ]
    for s in strings do
        Assert.True(Result.isOk (Parse.parse s), s)
    Assert.Equal("0.5*B11 - B12 + 0.5*B22 + 0.125", d.Expectations["loss"])
    Assert.Equal("B11 - 2*B12 + B22 + 0.25", d.Expectations["fisher[1,1]"])
    Assert.Contains("\\begin{align*}", d.ToLatex())
    Assert.Contains("E loss = ", d.ToText())

[<Fact>]
let ``cross-entropy gradient is softmax minus soft label`` () =
    let teacher = [| for c in 1 .. 3 -> sprintf "softmax(%d, rstar1, rstar2, rstar3)" c |]
    let d = ModelDerivation.Derive(ModelSpec("ce", 3, 3, Nullable(), 0, teacher, [| "r1"; "r2"; "r3" |], ModelDerivation.LossPreset("cross-entropy", 3)))
    Assert.Equal("softmax(2, r1, r2, r3) - softmax(2, rstar1, rstar2, rstar3)", d.Gradient[1])
