namespace HighDimSgd.Symbolic

/// Closed-form expectations under (r, rstar) ~ N(0, B), eps ~ N(0, 1) independent, as expressions
/// in the entries of B (index k of B: r_k for k <= l, rstar_(k-l) after). A loss is first expanded
/// into terms coefficient * product of atoms; each term has a rule or the whole expectation has no
/// closed form (quadrature takes over). Rules: Isserlis/Wick for polynomials; the arcsine law for
/// sign(u) sign(v) times low powers (which covers |u||v|, phase retrieval); the erf-pair rule and Stein's lemma for
/// z erf; and Gaussian factors exp(-a z_k^2) on up to two variables (the derivatives of erf units) absorbed into the
/// measure: E_B[exp(-z^T A z / 2) F] = det(I + A B)^(-1/2) E_B'[F] with B' = B - B_S (A_S^-1 + B_SS)^-1 B_S^T.
module Gaussian =
    open Simplify

    /// A factor of a term: z_k (entry k of (r, rstar)), eps_k, sign(z_k), erf(alpha z_k), exp(-a z_k^2), or a card's parameter c_k
    /// (not random: it multiplies the moment).
    type Atom =
        | Z of int
        | Noise of int
        | Param of int
        | SignOf of int
        | ErfOf of float * int
        /// exp(-a z_k^2) with a > 0.
        | GaussOf of float * int

    type Term = { Coefficient: float; Atoms: Map<Atom, int> }

    let private multiply (a: Term) (b: Term) =
        let atoms =
            b.Atoms
            |> Map.fold (fun (acc: Map<Atom, int>) k n -> acc.Add(k, n + defaultArg (acc.TryFind k) 0)) a.Atoms
            // sign(z)^2 = 1 away from z = 0, a null set under a non-degenerate Gaussian.
            |> Map.toList
            |> List.choose (fun (atom, n) ->
                match atom with
                | SignOf _ when n % 2 = 0 -> None
                | SignOf _ -> Some(atom, 1)
                | _ -> Some(atom, n))
            |> Map.ofList
        { Coefficient = a.Coefficient * b.Coefficient; Atoms = atoms }

    let private constant c = { Coefficient = c; Atoms = Map.empty }
    let private atom a = { Coefficient = 1.0; Atoms = Map.ofList [ a, 1 ] }

    /// (a, v) when e is -a v^2 with a > 0 a number: the exponent of a Gaussian factor.
    let private gaussianExponent (e: Expr) =
        let factors = match e with Product fs -> fs | f -> [ f ]
        match factors |> List.partition (fun f -> Set.isEmpty (Expr.variables f)) with
        | consts, [ Power(Var v, Number 2.0) ] ->
            let c = Evaluate.eval (fun _ -> nan) (Product consts)
            if c < 0.0 && System.Double.IsFinite c then Some(-c, v) else None
        | _ -> None

    /// Terms of an expanded expression, or None when a factor has no rule.
    let rec terms (studentCount: int) (e: Expr) : Term list option =
        let index =
            function
            | Member(Student, i) -> Some(Z i)
            | Member(Teacher, k) -> Some(Z(studentCount + k))
            | Member(Family.Noise, k) -> Some(Noise k)
            | Member(Parameter, k) -> Some(Param k)
            | _ -> None
        let zIndex v =
            match index v with
            | Some(Z k) -> Some k
            | _ -> None
        let productOf (parts: Term list option list) =
            if parts |> List.forall Option.isSome then
                parts
                |> List.map Option.get
                |> List.fold (fun acc ts -> [ for a in acc do for b in ts -> multiply a b ]) [ constant 1.0 ]
                |> Some
            else None
        let constantPart (fs: Expr list) =
            // alpha * z with alpha any variable-free factor (e.g. 1/sqrt(2)).
            match fs |> List.partition (fun f -> Set.isEmpty (Expr.variables f)) with
            | consts, [ Var v ] -> Some(Evaluate.eval (fun _ -> nan) (Product consts), v)
            | _ -> None
        match e with
        | _ when Set.isEmpty (Expr.variables e) -> Some [ constant (Evaluate.eval (fun _ -> nan) e) ]
        | Number c -> Some [ constant c ]
        | Pi -> Some [ constant System.Math.PI ]
        | Var v -> index v |> Option.map (fun a -> [ atom a ])
        | Sum xs ->
            let parts = xs |> List.map (terms studentCount)
            if parts |> List.forall Option.isSome then Some(parts |> List.collect Option.get) else None
        | Product xs -> productOf (xs |> List.map (terms studentCount))
        | Power(b, Number n) when n >= 0.0 && n = floor n && n <= 16.0 ->
            productOf (List.replicate (int n) (terms studentCount b))
        | Apply(Abs, Var v) -> zIndex v |> Option.map (fun k -> [ multiply (atom (Z k)) (atom (SignOf k)) ])
        | Apply(Sign, Var v) -> zIndex v |> Option.map (fun k -> [ atom (SignOf k) ])
        | Apply(Erf, Var v) -> zIndex v |> Option.map (fun k -> [ atom (ErfOf(1.0, k)) ])
        | Apply(Erf, Product fs) ->
            constantPart fs
            |> Option.bind (fun (alpha, v) -> zIndex v |> Option.map (fun k -> [ atom (ErfOf(alpha, k)) ]))
        | Apply(Exp, argument) ->
            gaussianExponent argument
            |> Option.bind (fun (a, v) -> zIndex v |> Option.map (fun k -> [ atom (GaussOf(a, k)) ]))
        | _ -> None

    let private b i j = Var(Variable.covariance i j)
    let private twoOverPi = Product [ Number 2.0; Power(Pi, Number -1.0) ]
    let private sqrtTwoOverPi = Power(twoOverPi, Number 0.5)

    let private doubleFactorial n = [ n .. -2 .. 1 ] |> List.fold (fun acc k -> acc * float k) 1.0

    /// Isserlis/Wick: E[z_(k1) ... z_(kn)] as the sum over perfect matchings of products of B entries,
    /// memoized on the multiset of indices and simplified at every level: the number of distinct sub-multisets
    /// is prod (n_k + 1), not the (n-1)!! matchings (z^16 has 2 027 025).
    let isserlis (indices: int list) : Expr =
        let memo = System.Collections.Generic.Dictionary<int list, Expr>(HashIdentity.Structural)
        let rec go (indices: int list) =
            match indices with
            | [] -> Expr.one
            | _ :: rest when List.length rest % 2 = 0 -> Expr.zero
            | first :: rest ->
                match memo.TryGetValue indices with
                | true, e -> e
                | _ ->
                    let partners = rest |> List.distinct
                    let e =
                        partners
                        |> List.map (fun partner ->
                            let count = rest |> List.filter ((=) partner) |> List.length
                            let i = rest |> List.findIndex ((=) partner)
                            let remaining = rest |> List.indexed |> List.filter (fun (j, _) -> j <> i) |> List.map snd
                            makeProduct [ Number(float count); b first partner; go remaining ])
                        |> makeSum
                    memo[indices] <- e
                    e
        go (List.sort indices)

    /// correlation-type argument c / sqrt(a b)
    let private rho u v = Product [ b u v; Power(Product [ b u u; b v v ], Number -0.5) ]

    /// sqrt(max(a b - c^2, 0)): the max keeps rounding from producing NaN at perfect correlation.
    let private residual u v =
        Apply(Sqrt, Max(Sum [ Product [ b u u; b v v ]; Product [ Number -1.0; Power(b u v, Number 2.0) ] ], Expr.zero))

    /// E[z_u^m z_v^n sign(z_u) sign(z_v)] for the low powers that occur in losses (arcsine law).
    let private signPair u v m n : Expr option =
        if (m + n) % 2 = 1 then Some Expr.zero
        else
            match m, n with
            | 0, 0 -> Some(Product [ twoOverPi; Apply(Asin, rho u v) ])
            | 1, 1 -> Some(Product [ twoOverPi; Sum [ residual u v; Product [ b u v; Apply(Asin, rho u v) ] ] ])
            | 0, 2
            | 2, 0 ->
                // E[v^2 sign(u) sign(v)] = (2/pi) (b asin(rho) + c sqrt(ab - c^2) / a)
                let u, v = if n = 2 then u, v else v, u
                Some(
                    Product
                        [ twoOverPi
                          Sum
                              [ Product [ b v v; Apply(Asin, rho u v) ]
                                Product [ b u v; residual u v; Power(b u u, Number -1.0) ] ] ]
                )
            | _ -> None

    /// E[z_u^m sign(z_u) z_v^n] for one sign factor.
    let private signSingle u (powers: Map<int, int>) : Expr option =
        let m = defaultArg (powers.TryFind u) 0
        let others = powers |> Map.remove u |> Map.toList
        match others with
        | [] when m % 2 = 0 -> Some Expr.zero
        | [] -> Some(Product [ sqrtTwoOverPi; Number(doubleFactorial (m - 1)); Power(b u u, Number(float m / 2.0)) ])
        | [ v, 1 ] when m = 0 -> Some(Product [ sqrtTwoOverPi; b u v; Power(b u u, Number -0.5) ])
        | _ -> None

    /// Rounds away the last-bit noise of products like 2 (1/sqrt 2)^2 so that closed forms stay readable.
    let private snap (x: float) =
        let r = System.Math.Round x
        if abs (x - r) <= 1e-12 * max 1.0 (abs x) then r else x

    let private erfPair (alpha, u) (beta, v) =
        let scaleOf (x: float) k = Sum [ Expr.one; Product [ Number(snap (2.0 * x * x)); b k k ] ]
        let argument = Product [ Number(snap (2.0 * alpha * beta)); b u v; Power(Product [ scaleOf alpha u; scaleOf beta v ], Number -0.5) ]
        Product [ twoOverPi; Apply(Asin, argument) ]

    /// Stein's lemma: E[z_k erf(alpha z_j)] = B_kj E[d/dz_j erf(alpha z_j)] = B_kj alpha (2/sqrt pi) / sqrt(1 + 2 alpha^2 B_jj).
    let private stein (alpha, j) k =
        Product
            [ Number(alpha * 2.0 / sqrt System.Math.PI)
              b k j
              Power(Sum [ Expr.one; Product [ Number(snap (2.0 * alpha * alpha)); b j j ] ], Number -0.5) ]

    /// The Gaussian factors exp(-z_S^T A_S z_S / 2) (A_S diagonal, on one or two variables) taken into the measure: the
    /// factor det(I + A_S B_SS)^(-1/2) and the covariance B' = B - B_S M B_S^T, M = (A_S^-1 + B_SS)^-1, as a map of B's
    /// entries; None for three or more.
    let private absorb (gauss: (int * float) list) : (Expr * (int -> int -> Expr)) option =
        let inverse (x: Expr) = Power(x, Number -1.0)
        match gauss with
        | [ s, a ] ->
            let d = Sum [ Expr.one; Product [ Number a; b s s ] ]
            Some(Power(d, Number -0.5), fun i j -> Sum [ b i j; Product [ Number -a; b i s; b s j; inverse d ] ])
        | [ (s, a); (t, c) ] ->
            let pss = Sum [ Number(1.0 / a); b s s ]
            let ptt = Sum [ Number(1.0 / c); b t t ]
            let detP = Sum [ Product [ pss; ptt ]; Product [ Number -1.0; Power(b s t, Number 2.0) ] ]
            let m u v =
                match u = s, v = s with
                | true, true -> ptt
                | false, false -> pss
                | _ -> Product [ Number -1.0; b s t ]
            let primed i j =
                Sum(
                    b i j
                    :: [ for u in [ s; t ] do
                             for v in [ s; t ] -> Product [ Number -1.0; b i u; m u v; b v j; inverse detP ] ]
                )
            Some(Power(Product [ Number(a * c); detP ], Number -0.5), primed)
        | _ -> None

    /// The expectation of one term, and whether it may be multiplied out: a term whose Gaussian factors were absorbed holds
    /// B' (rational in B) inside square roots and arcsines, which expanding would blow up (27 941 nodes for one Fisher entry
    /// of the erf committee instead of a few hundred).
    let private expectTerm (t: Term) : (Expr * bool) option =
        let atoms = t.Atoms |> Map.toList
        let noise = atoms |> List.choose (function Noise _, n -> Some n | _ -> None)
        let noiseMoment = noise |> List.fold (fun acc n -> if n % 2 = 1 then 0.0 else acc * doubleFactorial (n - 1)) 1.0
        let powers = atoms |> List.choose (function Z k, n -> Some(k, n) | _ -> None) |> Map.ofList
        let signs = atoms |> List.choose (function SignOf k, _ -> Some k | _ -> None)
        let erfs = atoms |> List.collect (function ErfOf(a, k), n -> List.replicate n (a, k) | _ -> [])
        // exp(-a z^2)^n = exp(-z^2 (2 a n) / 2): the diagonal entries of A, summed per variable.
        let gauss =
            atoms
            |> List.choose (function GaussOf(a, k), n -> Some(k, 2.0 * a * float n) | _ -> None)
            |> List.groupBy fst
            |> List.map (fun (k, xs) -> k, xs |> List.sumBy snd)
        let parameters = atoms |> List.choose (function Param k, n -> Some(Power(Var(Member(Parameter, k)), Number(float n))) | _ -> None)
        let underB () =
            match signs, erfs with
            | [], [] -> Some(isserlis (powers |> Map.toList |> List.collect (fun (k, n) -> List.replicate n k)))
            | [], [ _ ] when powers.IsEmpty -> Some Expr.zero
            | [], [ e ] when powers.Count = 1 && (Seq.head powers).Value = 1 -> Some(stein e (Seq.head powers).Key)
            | [], [ p; q ] when powers.IsEmpty -> Some(erfPair p q)
            | [ u ], [] -> signSingle u powers
            | [ u; v ], [] when powers |> Map.forall (fun k _ -> k = u || k = v) ->
                signPair u v (defaultArg (powers.TryFind u) 0) (defaultArg (powers.TryFind v) 0)
            | _ -> None
        let moment =
            if noiseMoment = 0.0 then Some Expr.zero
            elif gauss.IsEmpty then underB ()
            else
                match absorb gauss, underB () with
                | Some(factor, primed), Some m ->
                    let substituted = m |> Expr.substitute (function Covariance(i, j) -> Some(primed i j) | _ -> None)
                    Some(Product [ factor; substituted ])
                | _ -> None
        moment |> Option.map (fun m -> Product(Number(t.Coefficient * noiseMoment) :: m :: parameters), gauss.IsEmpty)

    /// The most terms the expansion before the term rules may have; beyond it there is no closed form
    /// (quadrature). The built-in models need fewer than 100.
    [<Literal>]
    let MaxExpandedTerms = 2000

    /// Whether expanding e can give only terms with a rule: sums, products and non-negative integer powers
    /// (<= 16) of variables, constants, abs/sign of a variable, erf of a scaled variable and exp(-a v^2). A quick structural
    /// test so that e.g. nested tanh goes to quadrature without being multiplied out first.
    let rec private mayHaveRule (e: Expr) =
        match e with
        | Number _
        | Pi
        | Var _ -> true
        | Sum xs
        | Product xs -> List.forall mayHaveRule xs
        | Power(b, Number n) when n >= 0.0 && n = floor n && n <= 16.0 -> mayHaveRule b
        | Apply((Abs | Sign | Erf), Var _) -> true
        | Apply(Erf, Product fs) when (match fs |> List.filter (fun f -> not (Set.isEmpty (Expr.variables f))) with [ Var _ ] -> true | _ -> false) -> true
        | Apply(Exp, argument) when (gaussianExponent argument).IsSome -> true
        | _ -> Set.isEmpty (Expr.variables e)

    /// E e in closed form, or None when some term has no rule or the expansion has more than MaxExpandedTerms terms.
    let expectation (studentCount: int) (e: Expr) : Expr option =
        let e = simplify e
        if not (mayHaveRule e) then None
        else
            match expandWithin MaxExpandedTerms e |> Option.bind (terms studentCount) with
            | None -> None
            | Some ts ->
                let parts = ts |> List.map expectTerm
                if parts |> List.forall Option.isSome then
                    let expandable, kept = parts |> List.map Option.get |> List.partition snd
                    let expanded = expandable |> List.map fst |> Sum |> simplify |> expand
                    Some(simplify (Sum(expanded :: (kept |> List.map fst))))
                else None
