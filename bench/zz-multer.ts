import express from 'express'
import multer from 'multer'
const app = express()
app.post('/x', multer({ dest: '/tmp/msgscratch/up' }).single('file'), (req, res) => { res.json(req.body) })
const s = app.listen(0, async () => {
  const port = (s.address() as { port: number }).port
  const f = new FormData(); f.append('number', '1'); f.append('number', '2'); f.append('delay[min]', '1')
  console.log(await (await fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: f })).text())
  s.close()
})
