// The `mote` command line: dispatches subcommands; usage errors exit 2, failed checks exit 1.
import Foundation
import MoteIO
import MoteTraining

let usage = """
mote — train, export and run tiny fixed-point autoencoders

usage: mote <command> [options]     (mote <command> --help for details)

commands:
  train    train a model spec on Fashion-MNIST / MNIST IDX files
  eval     test loss, MSE and PSNR of a trained checkpoint
  export   quantize a checkpoint to an int8 / int16 .mote file
  inspect  show what is in a .mote file (ops, shapes, sizes, arena)
  run      denoise, reconstruct, encode, decode or sample with a .mote model
  plot     latent scatter plot or decoded manifold of a .mote model (SVG and PNG)
  demo     the whole pipeline on the shipped models: writes mote-demo/index.html
  drift    compare a .mote model with its float checkpoint (exit 1 below --min-psnr)
  bench    time a .mote model: µs per inference, batch 1
  sample-data  write the small Fashion-MNIST sample shipped in data/

example: mote train --model models/vae.json --epochs 10
"""

let argv = Array(CommandLine.arguments.dropFirst())
guard let command = argv.first, command != "--help", command != "-h", command != "help" else {
    print(usage)
    exit(argv.isEmpty ? 2 : 0)
}
let rest = Array(argv.dropFirst())
do {
    switch command {
    case "train": try TrainCommand.run(rest)
    case "eval": try EvalCommand.run(rest)
    case "export": try ExportCommand.run(rest)
    case "inspect": try InspectCommand.run(rest)
    case "drift": try DriftCommand.run(rest)
    case "run": try RunCommand.run(rest)
    case "plot": try PlotCommand.run(rest)
    case "demo": try DemoCommand.run(rest)
    case "bench": try BenchCommand.run(rest)
    case "sample-data": try SampleDataCommand.run(rest)
    default: throw UsageError("unknown command \"\(command)\" (commands: train, eval, export, inspect, run, plot, demo, drift, bench, sample-data; see mote --help)")
    }
} catch let e as ExitError {
    Console.error(e.message)
    exit(e.code)
} catch {
    Console.error("\(error)")
    exit(2)
}
