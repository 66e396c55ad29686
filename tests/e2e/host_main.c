/* The e2e host: both test workflows in one binary (flow.h and crash.h are generated). */
#include <stddef.h>

#include "crash.h"
#include "flow.h"

int main(int argc, char **argv)
{
    static const cairn_workflow *const workflows[] = {&flow_workflow, &crash_workflow};
    return cairn_host_main(argc, argv, workflows, sizeof workflows / sizeof workflows[0]);
}
