/* program_values.h — the program tests' shorthand for expressions (test_program.c,
 * test_processing.c): constants of each base type, NULL, a variable, an operator over operands. */
#ifndef PROGRAM_VALUES_H
#define PROGRAM_VALUES_H

#define I(n)     "{'baseValue':{'baseType':'integer','value':" #n "}}"
#define F(x)     "{'baseValue':{'baseType':'float','value':" #x "}}"
#define ID(s)    "{'baseValue':{'baseType':'identifier','value':'" s "'}}"
#define STR(s)   "{'baseValue':{'baseType':'string','value':'" s "'}}"
#define BOOL(b)  "{'baseValue':{'baseType':'boolean','value':" #b "}}"
#define NUL      "{'null':null}"
#define VAR(s)   "{'variable':'" s "'}"
#define OP(o, a) "{'" o "':[" a "]}"

#endif
