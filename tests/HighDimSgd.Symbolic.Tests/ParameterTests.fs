module HighDimSgd.Symbolic.Tests.ParameterTests

open System
open HighDimSgd.Symbolic
open Xunit

let private derive parameters teacher loss =
    ModelDerivation.Derive(ModelSpec("m", 1, 1, Nullable(), 0, [| teacher |], [| "r" |], loss, parameters))

[<Fact>]
let ``log(1 + exp(x)) in either order simplifies to softplus`` () =
    Assert.Equal("softplus(g)", ModelDerivation.Normalize "log(1 + exp(g))")
    Assert.Equal("softplus(2*g)", ModelDerivation.Normalize "log(exp(2*g) + 1)")
    // Only the exact form: log(2 + exp(g)) is not a softplus.
    Assert.Equal("log(exp(g) + 2)", ModelDerivation.Normalize "log(2 + exp(g))")

[<Fact>]
let ``a parameter stays symbolic through the derivation and the closed forms`` () =
    let d = derive [| 0.5 |] "rstar + c1*eps" "(g - y)^2/2"
    Assert.Equal<float[]>([| 0.5 |], d.Parameters)
    Assert.Contains("c1", d.Loss)
    Assert.Equal("0.5*B11 - B12 + 0.5*B22 + 0.5*c1^2", d.Expectations["loss"])

[<Fact>]
let ``a problem's formulas may not use parameters`` () =
    let e = Assert.Throws<FormulaException>(fun () -> derive [||] "rstar + c1*eps" "(g - y)^2/2" |> ignore)
    Assert.Equal("teacher", e.Part)
    Assert.Contains("'c1' may not appear in a teacher formula", e.Message)

[<Theory>]
[<InlineData("rstar + 1.0*eps", 1.0)>]
[<InlineData("rstar + eps/4", 0.25)>]
[<InlineData("rstar - 2*eps", -2.0)>]
[<InlineData("0.7*eps + rstar", 0.7)>]
let ``the template binds the constant of the problem's formula`` (teacher: string, expected: float) =
    let template = derive [| 0.5 |] "rstar + c1*eps" "(g - y)^2/2"
    let problem = derive [||] teacher "(g - y)^2/2"
    Assert.Equal<float[]>([| expected |], ModelDerivation.BindParameters(template.Loss, 1, problem))

[<Theory>]
[<InlineData("2*rstar + 0.5*eps", "(g - y)^2/2")>]
[<InlineData("rstar + 0.5*eps", "(g - y)^2/4")>]
[<InlineData("rstar", "(g - y)^2/2")>]
let ``another formula binds nothing`` (teacher: string, loss: string) =
    let template = derive [| 0.5 |] "rstar + c1*eps" "(g - y)^2/2"
    let problem = derive [||] teacher loss
    Assert.Null(ModelDerivation.BindParameters(template.Loss, 1, problem))
