/* The e2e host: the test workflows in one binary (their headers are generated). */
#include <stddef.h>

#include "crash.h"
#include "echo.h"
#include "flow.h"
#include "leak.h"
#include "poll.h"
#include "retry.h"
#include "slow.h"
#include "tick.h"

int main(int argc, char **argv)
{
    static const cairn_workflow *const workflows[] = {
        &flow_workflow, &crash_workflow, &echo_workflow,  &slow_workflow,
        &tick_workflow, &poll_workflow,  &retry_workflow, &leak_workflow};
    return cairn_host_main(argc, argv, workflows, sizeof workflows / sizeof workflows[0]);
}
