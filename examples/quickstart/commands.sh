$raftkit command '{"name":"votes","by":2}' $c        # 2
$raftkit command '{"name":"votes","by":-1}' $c || echo "exit $?" # error: by must be > 0 (entry ...); exit 2
$raftkit query '"votes"' --consistency lease $c      # 2
