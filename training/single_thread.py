"""Pin BLAS and OpenMP to one thread. Import it before anything that loads numpy.

Training and its yardsticks are single-core by design: reproducible floating point (the thread
count changes summation order) and a time budget stated for one core.
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_variable] = "1"
