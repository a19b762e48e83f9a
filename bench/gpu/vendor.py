"""The vendor libraries on the same GPU, for the ratios in docs/backends.md: cuBLAS
SGEMM and cuDNN FP32 convolution through PyTorch, with TF32 off (true FP32), timed
with CUDA events, median of 20 runs after 3 warm-up runs. The shapes are those that
bench/gpu/run.sh times for sysc (and the issue's N=32 convolution for reference)."""
import statistics
import torch
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
dev = torch.device("cuda")


def median_ms(fn, reps=20):
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


n = 4096
a = torch.rand(n, n, device=dev) * 2 - 1
b = torch.rand(n, n, device=dev) * 2 - 1
ms = median_ms(lambda: a @ b)
print(f"vendor     cuBLAS sgemm (TF32 off)             M=N=K={n}: {ms:.3f} ms, {2 * n**3 / ms * 1e-6:.1f} GFLOP/s")

# (32, 128, 128, 58, 0) is the shape on an input padded beforehand, as sysc's
# conv2d_batch.sys takes it: the same outputs and operations as (32, 128, 128, 56, 1)
for nb, c, k, h, pad in ((1, 64, 128, 58, 0), (32, 128, 128, 56, 1), (32, 128, 128, 58, 0)):
    x = torch.rand(nb, c, h, h, device=dev) * 2 - 1
    w = torch.rand(k, c, 3, 3, device=dev) * 2 - 1
    ms = median_ms(lambda: F.conv2d(x, w, padding=pad))
    p = h - 2 + 2 * pad
    flop = 2 * nb * k * p * p * c * 9
    print(f"vendor     cuDNN conv2d (TF32 off)  N={nb},C={c},K={k},{h}x{h},3x3,pad {pad}: {ms:.3f} ms, {flop / ms * 1e-6:.1f} GFLOP/s")
