"""Batches: many exports scrubbed into one folder, on a local process pool or a Dask cluster,
with a summary (``scrubber batch``; :func:`scrubber.batchrun.run.run_batch`).

``inputs`` finds the files and where their outputs go, ``work`` scrubs one file (in a worker),
``pool`` is the local pool that survives a dead worker, ``backends`` puts the pool and Dask
behind one map interface, ``state`` skips unchanged files, ``summary`` shapes summary.json,
``progress`` shows the run on stderr and ``run`` ties them together.
"""
