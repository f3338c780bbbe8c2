$raftkit command '{"type":"open","account":"alice"}' $c               # {"balance":0}
$raftkit command '{"type":"deposit","account":"alice","amount":5}' $c # {"balance":5}
$raftkit query '{"type":"balance","account":"alice"}' $c              # 5
$raftkit command '{"type":"deposit","account":"nobody","amount":1}' $c || echo "exit $?" # error: no account nobody; exit 2
