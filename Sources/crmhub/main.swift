import App
import Glibc

exit(await CommandLineInterface.run(Array(CommandLine.arguments.dropFirst())))
