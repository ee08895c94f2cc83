"""C kernels shipped with generated code: portable/ (plain C99) now, core-specific variants later."""
