"""spacer.Error: every failure libspacer reports."""

import os


class Error(Exception):
    """A failed libspacer call.

    code: the errno of the failure, 0 for invalid input (a bad config);
    message: one line naming the failing step, as the spacer command
    prints it; path: for an error in a config, where in the document
    ("linux.resources.memory.limit"), else None.
    """

    def __init__(self, code, message, path=None):
        super().__init__(code, message, path)
        self.code = code
        self.message = message
        self.path = path

    @property
    def errno(self):
        return self.code

    def __str__(self):
        where = f"{self.path}: " if self.path and self.path not in self.message else ""
        why = f" ({os.strerror(self.code)})" if self.code and os.strerror(self.code) not in self.message else ""
        return f"{where}{self.message}{why}"
