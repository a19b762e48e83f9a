# The basic block of a PTX file with the most fma.rn.f32, and its selp.f32 count.
/^\$L__BB/ { close_block(); n = 0; sel = 0 }
/fma\.rn\.f32/ { n++ }
/selp\.f32/ { sel++ }
function close_block() { if (n > best) { best = n; bsel = sel } }
END { close_block(); printf "longest block: %d FMAs, %d selects\n", best, bsel }
