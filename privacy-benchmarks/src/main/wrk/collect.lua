-- wrk script: POST a page-view beacon with analytics allowed, with the cookies a browser that accepted them sends back. Usage: wrk -t2 -c32 -d20s -s collect.lua http://127.0.0.1:8080/collect
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
wrk.headers["Cookie"] = "pl_bid=DDDDDDDDDDDDDDDDDDDDDD; pl_consent=v1.p1.a1; pl_an=AAAAAAAAAAAAAAAAAAAAAA"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
wrk.body = '{"type":"pageview","page":"https://shop.example/p/1","referrer":"https://search.example/","language":"en-GB","screen":{"w":1280,"h":800}}'
