import App
import Glibc
import Platform

BrokenPipe.ignoreSignal()

exit(await CommandLineInterface.run(Array(CommandLine.arguments.dropFirst())))
