"""What is actually installed: Chainguard SBOMs in distributions, RECORD digests, remote RECORDs.

``verify`` looks at a virtual environment, a ``site-packages`` folder, a wheel or a folder of
wheels, and tells, for every distribution, whether it carries an intact SBOM written by
Chainguard (PEP 770) or, with an index, whether its files match the RECORD of the index's own
wheel for that version (read with HTTP range requests, never the whole wheel).
"""
