"""gunicorn's settings file, read from the working directory by `gunicorn` (the Procfile, `make bench`, the
tests' servers): what is not a command-line option.

After a worker has loaded the portal, everything loaded so far — Django, the URLconf, the templates, the
translations, hundreds of thousands of objects that live as long as the process — is moved out of the
garbage collector's sight (`gc.freeze`, as Instagram's Django servers do). Each full collection then walks
only what requests made, instead of the whole process: it was the slowest one request in twenty on the
directory (issue 11 §4, `make bench`).
"""

import gc


def post_worker_init(worker):
    gc.freeze()
