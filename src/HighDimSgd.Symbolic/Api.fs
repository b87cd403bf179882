namespace HighDimSgd.Symbolic

open System
open System.Collections.Generic
open System.Text
open System.Text.Json

/// A model as the CLI and the run-time compiler describe it. NoiseCount null: inferred from the eps..
/// the teacher uses. LabelCount: free labels y1.. when there is no teacher (0 otherwise). Parameters: the values
/// of c1.. that a model card's formulas may use (kept symbolic in the derivation); empty for a problem's formulas.
[<AllowNullLiteral>]
type ModelSpec
    (
        name: string,
        teacherDirections: int,
        studentDirections: int,
        noiseCount: Nullable<int>,
        labelCount: int,
        teacherOutputs: string[],
        studentOutputs: string[],
        lossExpression: string,
        parameters: float[]
    ) =
    new(name, teacherDirections, studentDirections, noiseCount, labelCount, teacherOutputs, studentOutputs, lossExpression) =
        ModelSpec(name, teacherDirections, studentDirections, noiseCount, labelCount, teacherOutputs, studentOutputs, lossExpression, [||])
    member _.Name = name
    member _.TeacherDirections = teacherDirections
    member _.StudentDirections = studentDirections
    member _.NoiseCount = noiseCount
    member _.LabelCount = labelCount
    member _.TeacherOutputs = teacherOutputs
    member _.StudentOutputs = studentOutputs
    member _.LossExpression = lossExpression
    member _.Parameters = parameters

/// The result of a derivation, as .NET types: infix strings (re-parseable), LaTeX, closed forms.
type Derivation internal (model: DerivedModel) =
    let infix = Print.infixWith model.Naming
    let latex = Print.latexWith model.Naming
    let l = model.StudentDirections
    let expectations =
        let d = SortedDictionary<string, string>(StringComparer.Ordinal)
        model.ExpectedLoss |> Option.iter (fun e -> d["loss"] <- infix e)
        model.Fisher
        |> Option.iter (List.iteri (fun i row -> row |> List.iteri (fun j e -> d[sprintf "fisher[%d,%d]" (i + 1) (j + 1)] <- infix e)))
        model.Cross
        |> Option.iter (List.iteri (fun i row -> row |> List.iteri (fun k e -> d[sprintf "cross[%d,%d]" (i + 1) (k + 1)] <- infix e)))
        d :> IReadOnlyDictionary<string, string>

    /// The F# record behind this derivation.
    member _.Model = model
    member _.Name = model.Name
    member _.StudentDirections = l
    member _.TeacherDirections = model.TeacherDirections
    member _.NoiseCount = model.NoiseCount
    member _.LabelCount = model.LabelCount
    /// Default values of the parameters c1.. the formulas use (empty for a problem's formulas).
    member _.Parameters: float[] = List.toArray model.Parameters
    member _.OutputCount = model.StudentOutputs.Length
    /// f(r; rstar, eps, y) after substituting teacher and student.
    member _.Loss: string = infix model.Loss
    member _.Gradient: string[] = model.Gradient |> List.map infix |> List.toArray
    member _.Hessian: string[,] = Array2D.init l l (fun i j -> infix (model.Hessian[i][j]))
    member _.LossLatex: string = latex model.Loss
    member _.GradientLatex: string[] = model.Gradient |> List.map latex |> List.toArray
    member _.HessianLatex: string[,] = Array2D.init l l (fun i j -> latex (model.Hessian[i][j]))
    member _.HasClosedFormLoss = model.ExpectedLoss.IsSome
    member _.HasClosedFormFisher = model.Fisher.IsSome
    member _.HasClosedFormGradientCross = model.Cross.IsSome
    /// Closed forms over B11.. (1-based over (r1..rl, rstar1..rstarl*)): "loss", "fisher[i,j]", "cross[i,k]".
    member _.Expectations = expectations

    /// C# source of a HighDimSgd.Core.Models.LossModel subclass.
    member _.EmitCSharp(ns: string, className: string) = EmitCSharp.emit ns className model

    /// {"loss": "...", "gradient": [...], "hessian": [[...]], "expectations": {...}}
    member this.ToJson() =
        let options = JsonWriterOptions(Indented = true, Encoder = Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping)
        use stream = new IO.MemoryStream()
        (use w = new Utf8JsonWriter(stream, options)
         w.WriteStartObject()
         w.WriteString("loss", this.Loss)
         w.WriteStartArray("gradient")
         for g in this.Gradient do
             w.WriteStringValue g
         w.WriteEndArray()
         w.WriteStartArray("hessian")
         for i in 0 .. l - 1 do
             w.WriteStartArray()
             for j in 0 .. l - 1 do
                 w.WriteStringValue this.Hessian[i, j]
             w.WriteEndArray()
         w.WriteEndArray()
         w.WriteStartObject("expectations")
         for KeyValue(k, v) in expectations do
             w.WriteString(k, v)
         w.WriteEndObject()
         w.WriteEndObject())
        Encoding.UTF8.GetString(stream.ToArray())

    /// Plain-text report.
    member this.ToText() =
        let sb = StringBuilder()
        let line (s: string) = sb.AppendLine s |> ignore
        line (sprintf "model %s: l = %d, l* = %d, noise = %d, free labels = %d" model.Name l model.TeacherDirections model.NoiseCount model.LabelCount)
        line (sprintf "f = %s" this.Loss)
        this.Gradient |> Array.iteri (fun i g -> line (sprintf "df/d%s = %s" (Print.variableName model.Naming (Member(Student, i + 1))) g))
        for i in 0 .. l - 1 do
            for j in 0 .. l - 1 do
                line (sprintf "H[%d,%d] = %s" (i + 1) (j + 1) this.Hessian[i, j])
        if expectations.Count = 0 then line "closed-form expectations: none (quadrature)"
        for KeyValue(k, v) in expectations do
            line (sprintf "E %s = %s" k v)
        sb.ToString()

    /// LaTeX report (an align* environment).
    member this.ToLatex() =
        let sb = StringBuilder()
        let line (s: string) = sb.AppendLine s |> ignore
        line "\\begin{align*}"
        line (sprintf "f &= %s \\\\" this.LossLatex)
        this.GradientLatex
        |> Array.iteri (fun i g -> line (sprintf "\\frac{\\partial f}{\\partial %s} &= %s \\\\" (Print.latexVariable model.Naming (Member(Student, i + 1))) g))
        for i in 0 .. l - 1 do
            for j in 0 .. l - 1 do
                line (sprintf "H_{%d%d} &= %s \\\\" (i + 1) (j + 1) this.HessianLatex[i, j])
        let closed =
            [ model.ExpectedLoss |> Option.map (fun e -> "\\mathbb{E} f", e) ]
            @ (model.Fisher |> Option.map (List.mapi (fun i row -> row |> List.mapi (fun j e -> Some(sprintf "I_{%d%d}" (i + 1) (j + 1), e))) >> List.concat) |> Option.defaultValue [])
            @ (model.Cross |> Option.map (List.mapi (fun i row -> row |> List.mapi (fun k e -> Some(sprintf "\\mathbb{E}[\\partial_{%d} f\\, z_{%d}]" (i + 1) (k + 1), e))) >> List.concat) |> Option.defaultValue [])
            |> List.choose id
        for name, e in closed do
            line (sprintf "%s &= %s \\\\" name (latex e))
        line "\\end{align*}"
        sb.ToString()

/// The facade used from C#.
[<AbstractClass; Sealed>]
type ModelDerivation =
    /// Derives a model; throws FormulaException for a bad formula, ArgumentException for bad counts.
    static member Derive(spec: ModelSpec) : Derivation =
        if isNull spec then nullArg "spec"
        let toList (xs: 'a[]) = if isNull xs then [] else List.ofArray xs
        let noise = if spec.NoiseCount.HasValue then Some spec.NoiseCount.Value else None
        Derive.deriveWith (toList spec.Parameters) spec.Name spec.TeacherDirections spec.StudentDirections noise spec.LabelCount (toList spec.TeacherOutputs) (toList spec.StudentOutputs) spec.LossExpression
        |> Derivation

    /// The values of the parameters c1..c(parameterCount) for which template (a derived loss in infix, a model card's
    /// Formula) is this derivation's loss, or null when it is not the same formula up to those values.
    static member BindParameters(template: string, parameterCount: int, derivation: Derivation) : float[] =
        if obj.ReferenceEquals(derivation, null) then nullArg "derivation"
        match Parse.parse template with
        | Error err -> invalidArg "template" err.Message
        | Ok e -> Match.parameters parameterCount (Simplify.simplify e) derivation.Model.Loss |> Option.toObj

    /// Loss formula f(g, y) of a preset for one output.
    static member LossPreset(name: string) : string = Derive.preset name 1

    /// Loss formula f(g, y) of a preset for the given number of student outputs.
    static member LossPreset(name: string, outputCount: int) : string = Derive.preset name outputCount

    /// Names of the loss presets.
    static member LossPresets: string[] = Derive.knownPresets |> List.toArray

    /// Parses one formula and returns its re-printed infix form; throws FormulaException (part "formula").
    static member Normalize(formula: string) : string =
        match Parse.parse formula with
        | Ok e -> Print.infix (Simplify.simplify e)
        | Error err -> raise (FormulaException("formula", 0, err.Position, err.Message))

    /// Names of the variables a formula uses (e.g. "r1", "rstar", "eps2"); throws FormulaException.
    static member VariablesOf(formula: string) : string[] =
        match Parse.parse formula with
        | Ok e -> Expr.variables e |> Seq.map (Print.variableName Naming.Indexed) |> Seq.toArray
        | Error err -> raise (FormulaException("formula", 0, err.Position, err.Message))

    /// Compiles a step-size schedule gamma(t), a formula in the time t = k/d only (e.g. "2/sqrt(1 + t)").
    /// Throws FormulaException (part "schedule") for a formula that does not parse or uses another variable.
    static member CompileTimeFunction(formula: string) : Func<float, float> = TimeFunction.compile formula
