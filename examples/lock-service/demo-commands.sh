$raftkit command '{"type":"acquire","lock":"db","owner":"alice","ttl":3}' $c   # {"token":1,"expiresAt":...}
$raftkit command '{"type":"write","resource":"table","token":1,"data":"a"}' $c # {"written":1}
# bob is refused while alice's lease lasts (exit 2); every attempt is a log entry, so it ends 3 entries in
until $raftkit command '{"type":"acquire","lock":"db","owner":"bob","ttl":100}' $c; do :; done # {"token":2,...}
$raftkit command '{"type":"write","resource":"table","token":2,"data":"b"}' $c # {"written":2}
$raftkit command '{"type":"write","resource":"table","token":1,"data":"late"}' $c || echo "exit $?" # stale fencing token 1; exit 2
$raftkit query '{"type":"resource","resource":"table"}' $c # {"token":2,"data":"b"}
