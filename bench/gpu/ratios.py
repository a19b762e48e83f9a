"""sysc against the vendor libraries, from the lines of one bench/gpu/run.sh invocation:
  python3 ratios.py TIMINGS VENDOR
TIMINGS holds gpu_check's timing lines, each after the name of the module it ran
("gemm_blocked cuda  gemm  down_columns  M=4096,N=4096,K=4096: ...; 3.843 ms (median
..."); VENDOR holds vendor.py's lines. Prints, for each sysc timing with a vendor line of
the same shape, both times and sysc's share of the vendor's speed (vendor time / sysc
time): the ratios of docs/backends.md."""
import re
import sys

SYSC = re.compile(r"^(\S+) cuda\s+(\S+)\s+(\S+)\s+(\S+): .*?([0-9.]+) ms \(median")
VENDOR = re.compile(r"^vendor\s+(cuBLAS|cuDNN) \S+ \(TF32 off\)\s+(.*): ([0-9.]+) ms")


def sizes(text):
    return {k: int(v) for k, v in (kv.split("=") for kv in text.split(","))}


def vendor_key(lib, shape):
    """('gemm', n) for cuBLAS; ('conv', N, C, K, H) for cuDNN on an unpadded input."""
    if lib == "cuBLAS":
        return ("gemm", int(shape.split("=")[-1]))
    m = re.match(r"N=(\d+),C=(\d+),K=(\d+),(\d+)x\d+,3x3,pad 0", shape)
    return ("conv",) + tuple(int(x) for x in m.groups()) if m else None


def sysc_key(kernel, s):
    if kernel == "gemm" and s.get("M") == s.get("N") == s.get("K"):
        return ("gemm", s["M"])
    if kernel in ("conv2d", "conv2d_batch") and s.get("R") == s.get("S") == 3 and s.get("H") == s.get("W"):
        return ("conv", s.get("N", 1), s["C"], s["K"], s["H"])
    if kernel in ("conv3x3", "conv3x3_crsk") and s.get("P") == s.get("Q"):
        return ("conv", s["N"], s["C"], s["K"], s["P"] + 2)
    return None


def main(timings, vendor):
    ref = {}
    for line in open(vendor):
        m = VENDOR.match(line)
        if m and vendor_key(m.group(1), m.group(2)):
            ref[vendor_key(m.group(1), m.group(2))] = (m.group(1), float(m.group(3)))
    for line in open(timings):
        m = SYSC.match(line)
        if not m:
            continue
        module, kernel, mapping, shape, ms = m.groups()
        key = sysc_key(kernel, sizes(shape))
        if key in ref:
            lib, vms = ref[key]
            print(f"ratio      {module:<18} {mapping:<18} {shape}: {float(ms):.3f} ms, {lib} {vms:.3f} ms: "
                  f"{100 * vms / float(ms):.1f} %")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
