module HighDimSgd.Generator.Program

open System
open HighDimSgd.Generator.ModelCards

let private usage = "usage: HighDimSgd.Generator [--check] [--root <repository root>]"

[<EntryPoint>]
let main argv =
    let args = List.ofArray argv
    let check = List.contains "--check" args
    let rootArg =
        match args |> List.skipWhile (fun a -> a <> "--root") with
        | "--root" :: dir :: _ -> Some dir
        | _ -> None
    let unknown = args |> List.filter (fun a -> a.StartsWith "--" && a <> "--check" && a <> "--root")
    if not unknown.IsEmpty then
        eprintfn "unknown option %s; %s" unknown.Head usage
        2
    else
        match rootArg |> Option.orElse (findRoot Environment.CurrentDirectory) with
        | None ->
            eprintfn "cannot find HighDimSgd.Hybrid.sln above %s; pass --root" Environment.CurrentDirectory
            2
        | Some root ->
            try
                if check then
                    match differences root with
                    | [||] ->
                        printfn "generated models are up to date"
                        0
                    | files ->
                        for f in files do
                            eprintfn "out of date: src/HighDimSgd.Models/Generated/%s" f
                        1
                else
                    let written = writeAll root
                    for f in written do
                        printfn "wrote src/HighDimSgd.Models/Generated/%s" f
                    if written.Length = 0 then printfn "generated models are up to date"
                    0
            with CardError message ->
                eprintfn "%s" message
                2
