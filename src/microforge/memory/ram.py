"""RamUsage: every byte of RAM a compiled model needs, by kind; the planner fills the arena, measurement the rest."""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RamUsage:
    """Activations are planned here; stack and static data are measured per target (`microforge bench`).

    >>> r = RamUsage(arena=49_152); r.total, r.with_measured(stack=1_400, static=96).total
    (49152, 50648)
    """

    arena: int                 # activation arena (memory plan)
    scratch: int = 0           # kernel scratch buffers outside the arena (the portable kernels use none)
    persistent: int = 0        # variable-tensor state (static buffers outside the arena); measured as part of `static`
    stack: int | None = None   # peak stack during inference, measured on the emulated core
    static: int | None = None  # .data + .bss outside the arena (measured from the linked image)

    @property
    def total(self) -> int:
        """Bytes known so far; unmeasured parts count as 0 (see `complete`)."""
        return self.arena + self.scratch + (self.stack or 0) + (self.persistent if self.static is None else self.static)

    @property
    def complete(self) -> bool:
        return self.stack is not None and self.static is not None

    def with_measured(self, stack: int | None = None, static: int | None = None) -> RamUsage:
        """A copy with measured stack/static bytes filled in (the hook `microforge bench` uses)."""
        return replace(self, stack=self.stack if stack is None else stack, static=self.static if static is None else static)
