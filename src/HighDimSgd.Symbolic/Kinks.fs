namespace HighDimSgd.Symbolic

/// Where an integrand stops being smooth: the arguments of abs, sign, step and relu and the differences inside max and
/// min. When such an argument is a linear form a . (r, rstar, eps) + a0 (coefficients may use the card's parameters and
/// the free labels), the quadrature can split its rules on the hyperplane and integrate each smooth piece to full
/// accuracy instead of at O(1/n) across it.
module Kinks =
    /// A kink hyperplane: one coefficient per integration variable (r1..rl, rstar1..rstarl*, eps1..epsm) and an offset.
    type Form = { Coefficients: Expr list; Offset: Expr }

    let private isIntegrationVariable =
        function
        | Member((Student | Teacher | Noise), _) -> true
        | _ -> false

    let private isConstant (e: Expr) = Expr.variables e |> Set.forall (isIntegrationVariable >> not)

    /// The variables a form's coefficients run over, in order.
    let variables (l: int) (lstar: int) (noise: int) =
        [ for i in 1 .. l -> Member(Student, i) ] @ [ for i in 1 .. lstar -> Member(Teacher, i) ] @ [ for i in 1 .. noise -> Member(Noise, i) ]

    /// (variable, coefficient) of a term linear in one integration variable, or the constant term; None otherwise.
    let private term (e: Expr) : (Variable option * Expr) option =
        match e with
        | _ when isConstant e -> Some(None, e)
        | Var v -> Some(Some v, Expr.one)
        | Product factors ->
            match factors |> List.partition isConstant with
            | constants, [ Var v ] -> Some(Some v, Simplify.simplify (Product constants))
            | _ -> None
        | _ -> None

    /// e as a linear form over vars, or None when it is not linear in them.
    let linear (vars: Variable list) (e: Expr) : Form option =
        let terms = match Simplify.simplify e with Sum xs -> xs | single -> [ single ]
        let parts = terms |> List.map term
        if parts |> List.exists Option.isNone then None
        else
            let parts = parts |> List.choose id
            let coefficient v =
                parts |> List.choose (fun (w, c) -> if w = Some v then Some c else None) |> Sum |> Simplify.simplify
            let offset = parts |> List.choose (fun (w, c) -> if w.IsNone then Some c else None) |> Sum |> Simplify.simplify
            if parts |> List.exists (fun (w, _) -> match w with Some v -> not (List.contains v vars) | None -> false) then None
            else Some { Coefficients = vars |> List.map coefficient; Offset = offset }

    /// The arguments at which e is not smooth (kinks and jumps), each once.
    let rec private arguments (e: Expr) : Expr list =
        let own =
            match e with
            | Apply((Abs | Sign | Step | Relu), x) -> [ x ]
            | Max(a, b)
            | Min(a, b) -> [ Simplify.simplify (Sum [ a; Product [ Number -1.0; b ] ]) ]
            | _ -> []
        own @ (Expr.children e |> List.collect arguments)

    /// The kink forms of some expressions over vars: linear ones (each hyperplane once), and how many arguments were not
    /// linear (those kinks stay unsplit).
    let forms (vars: Variable list) (exprs: Expr list) : Form list * int =
        let all = exprs |> List.collect arguments |> List.distinct |> List.filter (isConstant >> not)
        let linearForms = all |> List.choose (linear vars)
        linearForms |> List.distinct, all.Length - linearForms.Length
