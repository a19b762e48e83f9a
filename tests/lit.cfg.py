# lit configuration for sysc's text tests: diagnostics (diag/), dumps (ast/) and the
# command line (driver/). Each test is a .sys or .test file with RUN lines that pipe
# sysc's output into FileCheck. ctest runs this suite as one test, `lit`.
import os
import lit.formats

config.name = "sysc"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".sys", ".test"]
config.excludes = ["formats", "unit", "fuzz", "CMakeLists.txt", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.sysc_obj_root, "tests")

config.substitutions.append(("%sysc", config.sysc_exe))
# samples/host_example.c, built with the runtime: runs a kernel object and checks it
config.substitutions.append(("%host_example", os.path.join(config.sysc_obj_root, "runtime", "host_example")))
config.substitutions.append(("%samples", os.path.join(config.sysc_src_root, "samples")))
config.substitutions.append(("%bench", os.path.join(config.sysc_src_root, "bench")))
config.environment["NO_COLOR"] = "1"
config.environment["PATH"] = os.pathsep.join([config.llvm_tools_dir, config.environment.get("PATH", "")])
