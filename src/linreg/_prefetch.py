"""A cache prefetch for compiled passes over rows that update per-level arrays (numba).

Imported only by compiled kernel modules (``import linreg`` never loads numba).

Passes such as the fixed effects' demeaning read and update, for every row, the row of
a level array picked by the row's level code.  With many levels (100,000 firms) those
arrays are several MB, so every row waits on cache misses; asking for the lines a few
rows ahead lets the misses overlap.  NumPy and numba have no prefetch: this emits
LLVM's ``llvm.prefetch`` (a hint; a no-op on a target without prefetch instructions).
"""

from __future__ import annotations

from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

#: How many rows ahead the row passes ask for the cache lines of the level arrays they
#: will read and update.  With 100,000 levels those arrays (a few MB each) live in L3
#: or memory, and every row waits on two misses; asking ten rows ahead overlaps them
#: (measured on 2,000,000 rows in random level order: the demeaning pass 0.27 -> 0.065 s;
#: 6-12 rows ahead were equally good, 32 slower).
PREFETCH_ROWS = 10


@intrinsic
def prefetch(typingctx, array, row):
    """Ask the cache for the line holding ``array[row, 0]`` (a hint: LLVM's
    ``llvm.prefetch``, for writing, kept in all cache levels; a no-op on a target
    without prefetch instructions).  No NumPy or numba function issues one."""
    sig = types.void(array, row)

    def codegen(context, builder, signature, args):
        from llvmlite import ir

        array_type = signature.args[0]
        arr = context.make_array(array_type)(context, builder, args[0])
        index = context.cast(builder, args[1], signature.args[1], types.intp)
        zero = context.get_constant(types.intp, 0)
        pointer = cgutils.get_item_pointer2(
            context, builder, arr.data, cgutils.unpack_tuple(builder, arr.shape),
            cgutils.unpack_tuple(builder, arr.strides), array_type.layout, [index, zero],
        )  # fmt: skip
        i32 = ir.IntType(32)
        opaque = str(pointer.type) == "ptr"  # LLVM's opaque pointers (llvmlite >= 0.45)
        if not opaque:
            pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [pointer.type, i32, i32, i32]),
            "llvm.prefetch.p0" if opaque else "llvm.prefetch.p0i8",
        )  # fmt: skip
        builder.call(function, [pointer, i32(1), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


__all__ = ["PREFETCH_ROWS", "prefetch"]
