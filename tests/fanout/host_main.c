/* The fan-out test host: the test workflows in one binary (their headers are generated). */
#include <stddef.h>

#include "aws_batch.h"
#include "aws_big.h"
#include "aws_invoke.h"
#include "aws_quorum.h"
#include "aws_tolerate.h"

#include "fo_condition.h"
#include "fo_failfast.h"
#include "fo_group.h"
#include "fo_http.h"
#include "fo_invoke.h"
#include "fo_invoke_map.h"
#include "fo_map.h"
#include "fo_quorum.h"
#include "fo_ship.h"
#include "fo_waits.h"

int main(int argc, char **argv)
{
    static const cairn_workflow *const workflows[] = {
        &fo_quorum_workflow,  &fo_map_workflow,        &fo_group_workflow,  &fo_failfast_workflow,
        &fo_waits_workflow,   &fo_condition_workflow,  &fo_http_workflow,   &fo_invoke_workflow,
        &fo_ship_workflow,    &fo_invoke_map_workflow, &aws_batch_workflow, &aws_tolerate_workflow,
        &aws_quorum_workflow, &aws_invoke_workflow, &aws_big_workflow};
    return cairn_host_main(argc, argv, workflows, sizeof workflows / sizeof workflows[0]);
}
