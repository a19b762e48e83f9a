# The basic block of a PTX file with the most fma.rn.f32: its selp.f32 count, and its
# loads from shared memory (4-wide) and global memory.
/^\$L__BB/ { close_block(); n = 0; sel = 0; shv4 = 0; gl = 0 }
/fma\.rn\.f32/ { n++ }
/selp\.f32/ { sel++ }
/ld\.shared\.v4/ { shv4++ }
/ld\.global/ { gl++ }
function close_block() { if (n > best) { best = n; bsel = sel; bshv4 = shv4; bgl = gl } }
END { close_block(); printf "longest block: %d FMAs, %d selects, %d shared v4 loads, %d global loads\n", best, bsel, bshv4, bgl }
