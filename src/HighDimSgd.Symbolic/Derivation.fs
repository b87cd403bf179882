namespace HighDimSgd.Symbolic

open System

/// A bad formula in a model: Part is "teacher", "student" or "loss", Index the formula's place in its
/// list (0-based; 0 for the loss), Position the 0-based character position (-1 when not tied to one).
type FormulaException(part: string, index: int, position: int, message: string) =
    inherit Exception(message)
    member _.Part = part
    member _.Index = index
    member _.Position = position

/// Everything derived from a model: substituted loss f(r; rstar, eps, y), its gradient and Hessian in r,
/// and closed-form expectations over B where a rule applies.
type DerivedModel =
    { Name: string
      StudentDirections: int
      TeacherDirections: int
      NoiseCount: int
      /// Free labels y1.. (0 when a teacher supplies y).
      LabelCount: int
      TeacherOutputs: Expr list
      StudentOutputs: Expr list
      LossFormula: Expr
      Loss: Expr
      Gradient: Expr list
      Hessian: Expr list list
      ExpectedLoss: Expr option
      /// E[grad_i f grad_j f], l x l.
      Fisher: Expr list list option
      /// E[grad_i f z_k], z = (r, rstar), l x (l + l*).
      Cross: Expr list list option
      /// Noise integrated out in closed form (see NoiseAverage), when the teacher allows it.
      NoiseAverage: NoiseAverage option
      /// Default values of the parameters c1.. (a model card's; empty for a problem's formulas). The derivation keeps
      /// them symbolic: the emitted class takes their values at construction.
      Parameters: float list
      Naming: Naming }

/// A teacher output of the form step(a + c eps_k) or sign(a + c eps_k), with eps_k used nowhere else, takes two
/// values with probabilities Phi(+-a/|c|) given the rest, so the expectation over eps_k of any function of the
/// output is a smooth two-term mixture. Averaging these noise variables out symbolically removes both the
/// discontinuity (which Gauss-Hermite integrates at only O(1/n)) and one quadrature dimension per output.
and NoiseAverage =
    { /// Noise indices (1-based) averaged out.
      Averaged: int list
      /// E over the averaged noise of f, grad_r f and grad_r f grad_r f^T (l x l).
      Loss: Expr
      Gradient: Expr list
      Fisher: Expr list list }

module Derive =
    /// The most noise variables a model may have (eps1 .. eps32): each is a dimension of the Gaussian quadrature.
    [<Literal>]
    let MaxNoise = 32

    /// The most binary noisy teacher outputs averaged over their noise (2^m branches for m outputs); with more,
    /// the noise is not averaged out and quadrature integrates it like any other noise.
    [<Literal>]
    let MaxAveragedOutputs = 10

    /// The most nodes the loss may have after the teacher and student outputs are substituted into it.
    [<Literal>]
    let MaxSubstitutedNodes = 20000

    /// The most nodes a derivative (an entry of the gradient or the Hessian) may have before simplification.
    [<Literal>]
    let MaxDerivativeNodes = 200000

    /// Averaging m outputs costs 2^m branches of the substituted loss: averaged only when 2^m times its node
    /// count is at most this (and m <= MaxAveragedOutputs).
    [<Literal>]
    let MaxAveragedWork = 200000

    let private partName =
        function
        | Student -> "student direction"
        | Teacher -> "teacher direction"
        | Noise -> "noise variable"
        | Label -> "label"
        | Output -> "student output"
        | Parameter -> "parameter"

    /// Position of the first identifier in text that names v (identifiers are re-scanned because the
    /// tree keeps no positions).
    let private positionOf (text: string) (v: Variable) =
        let mutable i = 0
        let mutable found = -1
        while found < 0 && i < text.Length do
            if Parse.isNameStart text[i] then
                let start = i
                while i < text.Length && Parse.isNameChar text[i] do
                    i <- i + 1
                if Parse.tryVariable (text.Substring(start, i - start)) = Some v then found <- start
            else
                i <- i + 1
        found

    let private parsePart part index (text: string) =
        if isNull text || text.Trim() = "" then
            raise (FormulaException(part, index, 0, sprintf "%s formula %d is empty" part (index + 1)))
        match Parse.parse text with
        | Ok e ->
            match Simplify.firstNonFinite e with
            | Some bad -> raise (FormulaException(part, index, -1, sprintf "%s formula %d is not finite: %s = %s" part (index + 1) (Print.infix bad) (string (Evaluate.eval (fun _ -> nan) bad))))
            | None -> e
        | Error err -> raise (FormulaException(part, index, err.Position, sprintf "%s formula %d: %s" part (index + 1) err.Message))

    /// Checks every variable against what the part may use: allowed families with their counts.
    let private check part index (text: string) (allowed: (Family * int * string) list) (e: Expr) =
        for v in Expr.variables e do
            let fail message = raise (FormulaException(part, index, positionOf text v, sprintf "%s formula %d: %s" part (index + 1) message))
            let name = Print.variableName Naming.Indexed v
            match v with
            | Covariance _ -> fail (sprintf "variable '%s' (a covariance entry) may only appear in expectations" name)
            | Member(family, i) ->
                match allowed |> List.tryFind (fun (f, _, _) -> f = family) with
                | None ->
                    let uses = allowed |> List.map (fun (f, _, _) -> Variable.familyName f + "..") |> String.concat ", "
                    fail (sprintf "variable '%s' may not appear in a %s formula (it may use %s)" name part (if uses = "" then "no variables" else uses))
                | Some(_, count, why) when i > count -> fail (sprintf "variable '%s' is beyond the %d %s%s%s" name count (partName family) (if count = 1 then "" else "s") why)
                | Some _ -> ()

    let private studentVariables l = [ for i in 1 .. l -> Member(Student, i) ]

    /// Closed forms need every variable Gaussian: no free labels may remain.
    let closedForms (l: int) (lstar: int) (loss: Expr) (gradient: Expr list) =
        let hasLabels = Expr.variables loss |> Set.exists (function Member(Label, _) -> true | _ -> false)
        if hasLabels then
            None, None, None
        else
            let expect = Gaussian.expectation l
            let all (rows: Expr option list list) =
                if rows |> List.forall (List.forall Option.isSome) then Some(rows |> List.map (List.map Option.get)) else None
            let z k = if k <= l then Var(Member(Student, k)) else Var(Member(Teacher, k - l))
            let fisher = all [ for gi in gradient -> [ for gj in gradient -> expect (Product [ gi; gj ]) ] ]
            let cross = all [ for gi in gradient -> [ for k in 1 .. l + lstar -> expect (Product [ gi; z k ]) ] ]
            expect loss, fisher, cross

    /// Whether e is a constant: a number or an expression in the parameters c1.. only.
    let private isConstant (e: Expr) =
        Expr.variables e |> Set.forall (function Member(Parameter, _) -> true | _ -> false)

    /// The binary teacher outputs that can be averaged over their own noise: (output index, noise index, a, |c|, hi, lo),
    /// |c| a positive number or an expression in the parameters.
    let private binaryNoisyOutputs (teacher: Expr list) =
        let noiseOf e = Expr.variables e |> Set.filter (function Member(Noise, _) -> true | _ -> false)
        teacher
        |> List.mapi (fun j e ->
            match e with
            | Apply((Step | Sign) as f, arg) ->
                match Set.toList (noiseOf arg) with
                | [ Member(Noise, k) as v ] ->
                    let usedElsewhere = teacher |> List.indexed |> List.exists (fun (i, o) -> i <> j && Set.contains v (noiseOf o))
                    let a () = arg |> Expr.substitute (fun w -> if w = v then Some(Number 0.0) else None) |> Simplify.simplify
                    let hi, lo = if f = Step then 1.0, 0.0 else 1.0, -1.0
                    match Simplify.simplify (Calculus.differentiate v arg) with
                    | _ when usedElsewhere -> None
                    | Number c when c <> 0.0 -> Some(j + 1, k, a (), Number(abs c), hi, lo)
                    // A parameter's value is bound later; a card sets no parameter that makes the noise vanish.
                    | c when isConstant c && c <> Expr.zero -> Some(j + 1, k, a (), Simplify.makeApply Abs c, hi, lo)
                    | _ -> None
                | _ -> None
            | _ -> None)
        |> List.choose id

    /// E over the noise of binary noisy teacher outputs, branch by branch (2^m terms for m such outputs).
    let private noiseAverage (teacher: Expr list) (substituteLoss: (int -> Expr option) -> Expr) (gradientOf: Expr -> Expr list) (lossSize: int) =
        match binaryNoisyOutputs teacher with
        | [] -> None
        | outputs when outputs.Length > MaxAveragedOutputs || (1L <<< outputs.Length) * int64 lossSize > int64 MaxAveragedWork -> None
        | outputs ->
            // P(a + c eps > 0) = Phi(a / |c|) = (1 + erf(a / (|c| sqrt 2))) / 2; a number |c| folds into one factor.
            let probabilityHigh (a: Expr) (c: Expr) =
                let scale =
                    match c with
                    | Number c -> [ Number(1.0 / (c * sqrt 2.0)) ]
                    | c -> [ Power(c, Number -1.0); Number(1.0 / sqrt 2.0) ]
                Product [ Number 0.5; Sum [ Number 1.0; Apply(Erf, Product(a :: scale)) ] ]
            let rec branches remaining =
                match remaining with
                | [] -> [ Number 1.0, Map.empty ]
                | (j, _, a, c, hi, lo) :: rest ->
                    let p = probabilityHigh a c
                    [ for w, values in branches rest do
                        yield Product [ p; w ], Map.add j hi values
                        yield Product [ Sum [ Number 1.0; Product [ Number -1.0; p ] ]; w ], Map.add j lo values ]
            let terms =
                branches outputs
                |> List.map (fun (w, values) ->
                    let f = substituteLoss (fun j -> Map.tryFind j values |> Option.map Number)
                    Simplify.simplify w, f, gradientOf f)
            let weighted pick = Simplify.simplify (Sum [ for w, f, g in terms -> Product [ w; pick (f, g) ] ])
            Some
                { Averaged = outputs |> List.map (fun (_, k, _, _, _, _) -> k) |> List.sort
                  Loss = weighted fst
                  Gradient = terms |> List.head |> (fun (_, _, g) -> g) |> List.mapi (fun i _ -> weighted (fun (_, g: Expr list) -> g[i]))
                  Fisher =
                    let l = (let _, _, g = List.head terms in g.Length)
                    List.init l (fun i -> List.init l (fun j -> weighted (fun (_, g: Expr list) -> Product [ g[i]; g[j] ]))) }

    /// Derives a model whose formulas may use the parameters c1..c(parameters.Length), kept symbolic (a model card's).
    let deriveWith
        (parameters: float list)
        (name: string)
        (teacherDirections: int)
        (studentDirections: int)
        (noiseCount: int option)
        (labelCount: int)
        (teacherTexts: string list)
        (studentTexts: string list)
        (lossText: string)
        : DerivedModel =
        if studentDirections < 1 then invalidArg "studentDirections" "a model needs at least one student direction"
        if teacherDirections < 0 || labelCount < 0 then invalidArg "teacherDirections" "counts must not be negative"
        if not teacherTexts.IsEmpty && labelCount > 0 then
            invalidArg "labelCount" "free labels (labelCount > 0) are only for models without a teacher"
        if studentTexts.IsEmpty then raise (FormulaException("student", 0, -1, "the student needs at least one output formula"))
        if parameters |> List.exists (fun p -> not (Double.IsFinite p)) then invalidArg "parameters" "parameter values must be finite"
        let parameterRule = if parameters.IsEmpty then [] else [ Parameter, parameters.Length, " of the card" ]
        let teacher = teacherTexts |> List.mapi (parsePart "teacher")
        let noiseUsed =
            teacher
            |> List.collect (Expr.variables >> Set.toList)
            |> List.choose (function Member(Noise, k) -> Some k | _ -> None)
            |> List.fold max 0
        if noiseUsed > MaxNoise then
            let i = teacher |> List.findIndex (fun e -> Expr.variables e |> Set.contains (Member(Noise, noiseUsed)))
            raise (
                FormulaException(
                    "teacher", i, positionOf teacherTexts[i] (Member(Noise, noiseUsed)),
                    sprintf "teacher formula %d: noise variable 'eps%d' is beyond the limit of %d noise variables (eps1 .. eps%d)" (i + 1) noiseUsed MaxNoise MaxNoise
                )
            )
        match noiseCount with
        | Some n when n < 0 || n > MaxNoise -> invalidArg "noiseCount" (sprintf "the noise count %d is outside 0 .. %d" n MaxNoise)
        | _ -> ()
        let noise = defaultArg noiseCount noiseUsed
        teacher
        |> List.iteri (fun i e ->
            check "teacher" i teacherTexts[i] ([ Teacher, teacherDirections, " of the teacher"; Noise, noise, " declared" ] @ parameterRule) e)
        let student = studentTexts |> List.mapi (parsePart "student")
        student |> List.iteri (fun i e -> check "student" i studentTexts[i] ((Student, studentDirections, " of the student") :: parameterRule) e)
        let lossFormula = parsePart "loss" 0 lossText
        let labels = if teacher.IsEmpty then labelCount else teacher.Length
        let labelRule =
            if labels = 0 then []
            elif teacher.IsEmpty then [ Label, labels, " declared free" ]
            else [ Label, labels, " given by the teacher outputs" ]
        if labels = 0 && Expr.variables lossFormula |> Set.exists (function Member(Label, _) -> true | _ -> false) then
            let y = Expr.variables lossFormula |> Seq.find (function Member(Label, _) -> true | _ -> false)
            raise (
                FormulaException(
                    "loss", 0, positionOf lossText y,
                    "the loss uses labels y but there is no teacher and no free labels are declared (set a teacher output or a label count)"
                )
            )
        check "loss" 0 lossText ((Output, student.Length, " defined") :: labelRule @ parameterRule) lossFormula
        // The substituted loss's size, counted without building it: each y_k or g_j weighs its formula's size.
        let substitutedSize =
            let weight =
                function
                | Member(Output, i) -> int64 (Expr.size student[i - 1])
                | Member(Label, k) when not teacher.IsEmpty -> int64 (Expr.size teacher[k - 1])
                | _ -> 1L
            Expr.weightedSize weight lossFormula
        if substitutedSize > int64 MaxSubstitutedNodes then
            raise (
                FormulaException(
                    "loss", 0, -1,
                    sprintf "loss formula 1: with the teacher and student outputs substituted it has %d nodes, more than the limit of %d" substitutedSize MaxSubstitutedNodes
                )
            )
        // branchValue: a teacher output replaced by a constant (a branch of the noise average), else the teacher formula.
        let substituteLoss (branchValue: int -> Expr option) =
            lossFormula
            |> Expr.substitute (function
                | Member(Output, i) -> Some student[i - 1]
                | Member(Label, k) when not teacher.IsEmpty -> Some(defaultArg (branchValue k) teacher[k - 1])
                | _ -> None)
            |> Simplify.simplify
        let loss = substituteLoss (fun _ -> None)
        match Simplify.firstNonFinite loss with
        | Some bad ->
            raise (FormulaException("loss", 0, -1, sprintf "loss formula 1 with the outputs substituted is not finite: %s = %s" (Print.infix bad) (string (Evaluate.eval (fun _ -> nan) bad))))
        | None -> ()
        let rs = studentVariables studentDirections
        let differentiate what (v: Variable) e =
            match Calculus.differentiateWithin MaxDerivativeNodes v e with
            | Some d -> d
            | None ->
                raise (
                    FormulaException(
                        "loss", 0, -1,
                        sprintf "loss formula 1 (teacher and student substituted): its %s in %s would have more than %d nodes, the limit for a derivative"
                            what (Print.variableName Naming.Indexed v) MaxDerivativeNodes
                    )
                )
        let gradientOf f = rs |> List.map (fun v -> differentiate "gradient" v f)
        let gradient = gradientOf loss
        let hessian = rs |> List.map (fun vi -> gradient |> List.map (differentiate "Hessian" vi))
        let expected, fisher, cross = closedForms studentDirections teacherDirections loss gradient
        { Name = name
          StudentDirections = studentDirections
          TeacherDirections = teacherDirections
          NoiseCount = noise
          LabelCount = (if teacher.IsEmpty then labelCount else 0)
          TeacherOutputs = teacher
          StudentOutputs = student
          LossFormula = lossFormula
          Loss = loss
          Gradient = gradient
          Hessian = hessian
          ExpectedLoss = expected
          Fisher = fisher
          Cross = cross
          NoiseAverage = noiseAverage teacher substituteLoss gradientOf (Expr.size loss)
          Parameters = parameters
          Naming = Naming.ForCounts(studentDirections, teacherDirections, noise, labels, student.Length) }

    /// Derives a model from a problem's formulas (no parameters). Teacher outputs use rstar.. and eps..; student outputs
    /// use r..; the loss uses g.. and y... With no teacher, y1..y(labelCount) are free labels.
    let derive name teacherDirections studentDirections noiseCount labelCount teacherTexts studentTexts lossText =
        deriveWith [] name teacherDirections studentDirections noiseCount labelCount teacherTexts studentTexts lossText

    let knownPresets = [ "least-squares"; "logistic"; "cross-entropy"; "phase-retrieval"; "smooth-phase-retrieval"; "absolute" ]

    /// Loss formula f(g, y) of a named preset for the given number of outputs.
    let preset (name: string) (outputs: int) : string =
        let index c = if outputs = 1 then "" else string c
        let each template = [ for c in 1 .. outputs -> template (index c) ] |> String.concat " + "
        let single () =
            if outputs <> 1 then
                raise (FormulaException("loss", 0, -1, sprintf "preset '%s' is for one output, the student has %d" name outputs))
        match name with
        | "least-squares" -> each (fun c -> sprintf "(g%s - y%s)^2/2" c c)
        | "absolute" -> each (fun c -> sprintf "abs(g%s - y%s)" c c)
        | "phase-retrieval" -> each (fun c -> sprintf "(abs(g%s) - abs(y%s))^2/2" c c)
        | "smooth-phase-retrieval" -> each (fun c -> sprintf "(g%s^2 - y%s^2)^2/4" c c)
        | "logistic" ->
            single ()
            "softplus(g) - y*g"
        | "cross-entropy" ->
            if outputs < 2 then
                raise (FormulaException("loss", 0, -1, "preset 'cross-entropy' needs at least 2 outputs (one per class)"))
            let gs = [ for c in 1 .. outputs -> sprintf "g%d" c ] |> String.concat ", "
            sprintf "logsumexp(%s) - (%s)" gs ([ for c in 1 .. outputs -> sprintf "y%d*g%d" c c ] |> String.concat " + ")
        | _ ->
            raise (FormulaException("loss", 0, -1, sprintf "unknown loss preset '%s'; known presets: %s" name (String.concat ", " knownPresets)))
