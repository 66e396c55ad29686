/* A host that links fo_invoke without fo_ship, the workflow it invokes: it must refuse to start. */
#include <stddef.h>

#include "fo_invoke.h"

int main(int argc, char **argv)
{
    static const cairn_workflow *const workflows[] = {&fo_invoke_workflow};
    return cairn_host_main(argc, argv, workflows, sizeof workflows / sizeof workflows[0]);
}
