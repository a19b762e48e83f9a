/*
 * A stand-alone driver for `sysc convert` (compiler/cmd_convert.c), so that its output can be
 * tested without the compiler: convert_main ARGS... behaves as sysc convert ARGS...
 */
int cmd_convert(int argc, char **argv);

int main(int c, char **v) {
  return cmd_convert(c - 1, v + 1);
}
