// Embeds typemodel/kubernetes.json in the binary (GNU assembler .incbin), so the API server
// needs no file at run time. CONVERGE_TYPEMODEL_PATH is set by apiserver/CMakeLists.txt.

#define CONVERGE_STRINGIFY2(x) #x
#define CONVERGE_STRINGIFY(x) CONVERGE_STRINGIFY2(x)

asm(".section .rodata\n"
    ".global converge_typemodel_begin\n"
    ".balign 16\n"
    "converge_typemodel_begin:\n"
    ".incbin \"" CONVERGE_STRINGIFY(CONVERGE_TYPEMODEL_PATH) "\"\n"
    ".global converge_typemodel_end\n"
    "converge_typemodel_end:\n"
    ".byte 0\n"
    ".previous\n");
