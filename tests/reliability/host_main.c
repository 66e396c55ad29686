/* The reliability test host: the torture and relay workflows in one binary. */
#include <stddef.h>

#include "relay.h"
#include "torture.h"

int main(int argc, char **argv)
{
    static const cairn_workflow *const workflows[] = {&torture_workflow, &relay_workflow};
    return cairn_host_main(argc, argv, workflows, sizeof workflows / sizeof workflows[0]);
}
