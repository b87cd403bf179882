/// Model cards (derivations/models/*.toml) -> checked-in C# classes (src/HighDimSgd.Models/Generated).
module HighDimSgd.Generator.ModelCards

open System
open System.IO
open HighDimSgd.Symbolic
open Tomlyn
open Tomlyn.Model

/// Namespace of the generated classes.
[<Literal>]
let GeneratedNamespace = "HighDimSgd.Models.Generated"

type Card = { Name: string; Class: string; Spec: ModelSpec; Source: string }

exception CardError of string

let private fail (path: string) message = raise (CardError(sprintf "%s: %s" (Path.GetFileName path) message))

let private table path (parent: TomlTable) key =
    match parent.TryGetValue key with
    | true, (:? TomlTable as t) -> Some t
    | true, _ -> fail path (sprintf "'%s' must be a table" key)
    | _ -> None

let private text path (t: TomlTable) key =
    match t.TryGetValue key with
    | true, (:? string as s) -> Some s
    | true, _ -> fail path (sprintf "'%s' must be a string" key)
    | _ -> None

let private integer path (t: TomlTable) key =
    match t.TryGetValue key with
    | true, (:? int64 as n) -> Some(int n)
    | true, _ -> fail path (sprintf "'%s' must be an integer" key)
    | _ -> None

/// `output` is one formula or a list of formulas.
let private outputs path (t: TomlTable) =
    match t.TryGetValue "output" with
    | true, (:? string as s) -> [| s |]
    | true, (:? TomlArray as a) ->
        a
        |> Seq.map (function
            | :? string as s -> s
            | _ -> fail path "'output' entries must be strings")
        |> Seq.toArray
    | true, _ -> fail path "'output' must be a string or a list of strings"
    | _ -> fail path "missing 'output'"

/// `parameters`: the values of c1, c2.. that the card's formulas use (numbers the checked-in class takes as arguments).
let private parameters path (root: TomlTable) =
    match root.TryGetValue "parameters" with
    | true, (:? TomlArray as a) ->
        a
        |> Seq.map (function
            | :? float as x when Double.IsFinite x -> x
            | :? int64 as n -> float n
            | _ -> fail path "'parameters' entries must be finite numbers")
        |> Seq.toArray
    | true, _ -> fail path "'parameters' must be a list of numbers"
    | _ -> [||]

/// Reads one card.
let readCard (path: string) : Card =
    let source = File.ReadAllText path
    let root =
        try
            TomlSerializer.Deserialize<TomlTable>(source)
        with :? TomlException as e ->
            fail path e.Message
    if isNull root then fail path "empty card"
    let required what = function Some v -> v | None -> fail path (sprintf "missing '%s'" what)
    let name = text path root "name" |> required "name"
    let className = text path root "class" |> required "class"
    let teacher = table path root "teacher"
    let student = table path root "student" |> required "[student]"
    let loss = table path root "loss" |> required "[loss]"
    let studentOutputs = outputs path student
    let lossExpression =
        match text path loss "expression", text path loss "preset" with
        | Some e, None -> e
        | None, Some p -> ModelDerivation.LossPreset(p, studentOutputs.Length)
        | _ -> fail path "[loss] needs exactly one of 'expression' or 'preset'"
    let spec =
        ModelSpec(
            name,
            (teacher |> Option.bind (fun t -> integer path t "directions") |> Option.defaultValue 0),
            (integer path student "directions" |> required "student.directions"),
            (teacher |> Option.bind (fun t -> integer path t "noise") |> Option.toNullable),
            (integer path root "labels" |> Option.defaultValue 0),
            (teacher |> Option.map (outputs path) |> Option.defaultValue [||]),
            studentOutputs,
            lossExpression,
            parameters path root
        )
    { Name = name; Class = className; Spec = spec; Source = path }

/// The C# source for a card.
let render (card: Card) : string =
    let derivation =
        try
            ModelDerivation.Derive card.Spec
        with :? FormulaException as e ->
            fail card.Source (sprintf "[%s] %s" e.Part e.Message)
    derivation.EmitCSharp(GeneratedNamespace, card.Class)

/// Cards directory and output directory under a repository root.
let cardsDirectory root = Path.Combine(root, "derivations", "models")
let generatedDirectory root = Path.Combine(root, "src", "HighDimSgd.Models", "Generated")

/// (file name, content) for every card, sorted by file name.
let renderAll (root: string) : (string * string)[] =
    Directory.GetFiles(cardsDirectory root, "*.toml")
    |> Array.sort
    |> Array.map (fun path ->
        let card = readCard path
        card.Class + ".g.cs", render card)

/// Finds the repository root (the folder holding HighDimSgd.Hybrid.sln) from a start folder upwards.
let findRoot (start: string) =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then None
        elif File.Exists(Path.Combine(dir.FullName, "HighDimSgd.Hybrid.sln")) then Some dir.FullName
        else up dir.Parent
    up (DirectoryInfo start)

/// Files whose checked-in content differs from the generator's output (missing files included).
let differences (root: string) : string[] =
    renderAll root
    |> Array.filter (fun (file, content) ->
        let path = Path.Combine(generatedDirectory root, file)
        not (File.Exists path) || File.ReadAllText path <> content)
    |> Array.map fst

/// Writes the generated files whose content changed; returns their names.
let writeAll (root: string) : string[] =
    let dir = generatedDirectory root
    Directory.CreateDirectory dir |> ignore
    let changed = differences root
    let rendered = renderAll root |> dict
    for file in changed do
        File.WriteAllText(Path.Combine(dir, file), rendered[file])
    changed
