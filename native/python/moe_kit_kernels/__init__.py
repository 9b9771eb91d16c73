"""MoE Kit's fused-MoE Triton kernels and the compile worker that builds them for @moe/native.

Importing this package does not import Triton: the worker must be able to start and report
why Triton is missing. The kernels live in the submodules `gemm`, `align` and `elementwise`;
`registry` lists them for the worker.
"""

PROTOCOL_VERSION = 1
