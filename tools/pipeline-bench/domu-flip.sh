#!/bin/sh
# SPDX-License-Identifier: MIT
# In the pipeline benchmark's domU (gntbuf-pingpong front -x runs it): N
# timed flips at WxH through Linux's frontend, between two marks.
#
#   domu-flip.sh NAME N WxH
/displfront-flip -n $(($2 + 3)) -m "$3" -w "/gntbuf-pingpong mark gntbuf-$3"
rc=$?
echo "$1: flip $3 exit $rc"
exit $rc
